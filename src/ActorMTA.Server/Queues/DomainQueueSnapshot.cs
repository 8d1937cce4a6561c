using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

public sealed record DomainQueueSnapshot(IReadOnlyList<QueuedDelivery> Entries) : IPersistedRecord
{
    public bool Suspended { get; init; }
}
