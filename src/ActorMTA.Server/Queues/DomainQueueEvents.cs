using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

/// <summary>Journal events of the DomainQueue entity. Never change a persisted shape: add a new event or manifest version.</summary>
public interface IDomainQueueEvent : IPersistedRecord;

/// <summary>A message entered the queue; it is due for its first attempt at once.</summary>
public sealed record DeliveryQueued(
    string MessageId, string ContentRef, string ReversePath, IReadOnlyList<string> Recipients, long Size, DateTimeOffset QueuedAt) : IDomainQueueEvent;

public enum QueueRemovalReason : byte
{
    /// <summary>The enqueueing transaction failed after the entry was stored.</summary>
    Retracted = 1,
}

public sealed record DeliveryRemoved(string MessageId, QueueRemovalReason Reason) : IDomainQueueEvent;
