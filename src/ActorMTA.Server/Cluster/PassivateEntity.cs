using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The stop message an entity asks its shard to send back when it passivates. The entity stops only
/// once its writes are done, so no persisted-but-unanswered command is dropped.
/// </summary>
public sealed record PassivateEntity : IClusterMessage
{
    public static readonly PassivateEntity Instance = new();
    private PassivateEntity() { }
}
