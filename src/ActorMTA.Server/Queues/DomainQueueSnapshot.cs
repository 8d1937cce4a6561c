using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

public sealed record DomainQueueSnapshot(IReadOnlyList<QueuedDelivery> Entries) : IPersistedRecord
{
    public bool Suspended { get; init; }

    /// <summary>Delivery events derived from journaled events but not yet confirmed written by the event log: a snapshot
    /// stands in for the events it covers, so it must carry these, or recovery could never derive them again.</summary>
    public IReadOnlyList<Observability.Events.OutboxEntry> Unpublished { get; init; } = [];
}
