namespace ActorMTA.Server.Queues;

/// <summary>
/// Holds an accepted message for remote recipients of one domain. Answered with
/// <see cref="DeliveryEnqueued"/> once persisted. The queue takes over <paramref name="ContentRef"/>.
/// Idempotent per MessageId: a second command for the same message adds nothing.
/// </summary>
public sealed record EnqueueDelivery(
    string QueueId, string MessageId, string ContentRef, string ReversePath, IReadOnlyList<string> Recipients,
    long Size, DateTimeOffset QueuedAt, long CorrelationId) : IDomainQueueCommand
{
    public ContentTraits Traits { get; init; }
}

public sealed record DeliveryEnqueued(string QueueId, long CorrelationId);

/// <summary>Takes back an enqueue whose transaction failed afterwards; releases the content reference.</summary>
public sealed record RetractEnqueue(string QueueId, string MessageId, long CorrelationId) : IDomainQueueCommand;

public sealed record EnqueueRetracted(string QueueId, string MessageId, long CorrelationId);

public sealed record GetQueueStatus(string QueueId) : IDomainQueueCommand;

/// <param name="Entries">Ordered by the time they were queued.</param>
public sealed record QueueStatus(string QueueId, int Pending, IReadOnlyList<QueuedDelivery> Entries)
{
    /// <summary>Delivery attempts are stopped by an operator.</summary>
    public bool Suspended { get; init; }

    /// <summary>Messages that failed at least once and wait for their next attempt.</summary>
    public int Deferred => Entries.Count(e => e.Attempts > 0);

    public DateTimeOffset? NextAttemptAt => Entries.Count == 0 ? null : Entries.Min(e => e.NextAttemptAt);
}
