using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Routes a command to its entity by an id the command carries. Shard ids come from a MurmurHash of the
/// entity id (stable across processes, unlike string.GetHashCode), modulo actormta.cluster.shard-count.
/// Ids are lower-cased so "Bob@Example.org" and "bob@example.org" reach the same entity.
/// </summary>
public sealed class EntityMessageExtractor<TCommand>(int shardCount, Func<TCommand, string> idOf) : HashCodeMessageExtractor(shardCount)
    where TCommand : class
{
    public override string? EntityId(object message) => message switch
    {
        TCommand command => Normalize(idOf(command)),
        // Gathered by an EntityCourier from this extractor's ids: already normalized.
        EntityCommandBundle bundle => bundle.EntityId,
        // Remember-entities restarts an entity by this message, without a command of ours.
        ShardRegion.StartEntity start => start.EntityId,
        _ => null,
    };

    public static string Normalize(string id) => id.ToLowerInvariant();
}
