using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Journal writes of one entity kind on this node: how many PersistAll batches and how many events.
/// Events per batch shows the batching at work (and is what a metrics exporter reads).
/// </summary>
public sealed class PersistenceCounter
{
    private long _batches;
    private long _events;

    public long Batches => Interlocked.Read(ref _batches);
    public long Events => Interlocked.Read(ref _events);

    internal void Record(int events)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _events, events);
    }
}

/// <summary>Per actor system (so that test systems in one process do not share counts).</summary>
public sealed class EntityPersistenceCounters : IExtension
{
    public PersistenceCounter Mailbox { get; } = new();
    public PersistenceCounter DomainQueue { get; } = new();
    public PersistenceCounter Greylist { get; } = new();

    public static EntityPersistenceCounters Get(ActorSystem system) => system.WithExtension<EntityPersistenceCounters, EntityPersistenceCountersProvider>();
}

public sealed class EntityPersistenceCountersProvider : ExtensionIdProvider<EntityPersistenceCounters>
{
    public override EntityPersistenceCounters CreateExtension(ExtendedActorSystem system) => new();
}
