using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

/// <summary>
/// Holds an accepted message for remote recipients of one domain. Answered with
/// <see cref="DeliveryEnqueued"/> once persisted. The queue takes over <paramref name="ContentRef"/>.
/// Idempotent per QueueId: a second command for the same message adds nothing.
/// </summary>
public sealed record EnqueueDelivery(
    string QueueName, string QueueId, string ContentRef, string ReversePath, IReadOnlyList<string> Recipients,
    long Size, DateTimeOffset QueuedAt, long CorrelationId) : IDomainQueueCommand
{
    public ContentTraits Traits { get; init; }

    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461); <see cref="DsnMessageParameters.None"/> when not given.</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>NOTIFY=/ORCPT= per recipient address (RFC 3461); a recipient missing here gave none.</summary>
    public IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsn { get; init; } = EmptyRecipientDsn;

    /// <summary>The egress pool (<see cref="Delivery.Shaping.EgressSettings.SelectPool"/>); null: the default pool.</summary>
    public string? Pool { get; init; }

    /// <summary>Message-ID, tenant and campaign, for delivery events.</summary>
    public MessageTags Tags { get; init; } = MessageTags.None;

    public static readonly IReadOnlyDictionary<string, DsnRecipientParameters> EmptyRecipientDsn =
        new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal);
}

public sealed record DeliveryEnqueued(string QueueName, long CorrelationId) : IClusterMessage;

/// <summary>Takes back an enqueue whose transaction failed afterwards; releases the content reference.</summary>
public sealed record RetractEnqueue(string QueueName, string QueueId, long CorrelationId) : IDomainQueueCommand;

public sealed record EnqueueRetracted(string QueueName, string QueueId, long CorrelationId) : IClusterMessage;

public sealed record GetQueueStatus(string QueueName) : IDomainQueueCommand;

/// <param name="Entries">Ordered by the time they were queued.</param>
public sealed record QueueStatus(string QueueName, int Pending, IReadOnlyList<QueuedDelivery> Entries) : IClusterMessage
{
    /// <summary>Delivery attempts are stopped by an operator.</summary>
    public bool Suspended { get; init; }

    /// <summary>Where the queue's mail went at its latest MX lookup (actormta.shaping); null before one, or with shaping off.</summary>
    public string? Site { get; init; }

    /// <summary>Messages that failed at least once and wait for their next attempt.</summary>
    public int Deferred => Entries.Count(e => e.Attempts > 0);

    public DateTimeOffset? NextAttemptAt => Entries.Count == 0 ? null : Entries.Min(e => e.NextAttemptAt);
}
