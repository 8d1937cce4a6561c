using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

/// <summary>Journal events of the DomainQueue entity. Never change a persisted shape: add a new event or manifest version.</summary>
public interface IDomainQueueEvent : IPersistedRecord;

/// <summary>A message entered the queue; it is due for its first attempt at once.</summary>
public sealed record DeliveryQueued(
    string QueueId, string ContentRef, string ReversePath, IReadOnlyList<string> Recipients, long Size, DateTimeOffset QueuedAt) : IDomainQueueEvent
{
    public ContentTraits Traits { get; init; }

    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461); written from manifest QQ3 on.</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>NOTIFY=/ORCPT= of the recipients that gave any (RFC 3461); written from manifest QQ3 on.</summary>
    public IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsn { get; init; } = QueuedDelivery.NoRecipientDsn;

    /// <summary>The egress pool chosen at acceptance; null: the default pool. Written from manifest QQ4 on.</summary>
    public string? Pool { get; init; }

    /// <summary>Message-ID, tenant and campaign, for delivery events. Written from manifest QQ5 on.</summary>
    public MessageTags Tags { get; init; } = MessageTags.None;
}

public enum QueueRemovalReason : byte
{
    /// <summary>The enqueueing transaction failed after the entry was stored.</summary>
    Retracted = 1,

    /// <summary>Every recipient is delivered or failed and every bounce is stored.</summary>
    Completed = 2,

    /// <summary>An operator deleted it (no bounce).</summary>
    Deleted = 3,
}

public sealed record DeliveryRemoved(string QueueId, QueueRemovalReason Reason) : IDomainQueueEvent;

/// <summary>
/// The outcome of an attempt (or of an operator's bounce, an expiry, a permanent DNS failure): recipients
/// delivered, recipients failed for good (kept for the bounce unless the sender is &lt;&gt;), the rest stay
/// pending until <paramref name="NextAttemptAt"/>. <paramref name="Counted"/>: it was a real attempt.
/// </summary>
public sealed record DeliveryAttempted(
    string QueueId, IReadOnlyList<string> Delivered, IReadOnlyList<FailedDelivery> Failed, bool Counted,
    DateTimeOffset NextAttemptAt, string? LastResult) : IDomainQueueEvent
{
    /// <summary>How the outcome came about (host, TLS, replies, duration), for delivery events; null in journals
    /// written before manifest QA2.</summary>
    public AttemptReport? Report { get; init; }
}

/// <summary>Bounce number <paramref name="Number"/> reporting <paramref name="Recipients"/> was stored by its destination.</summary>
public sealed record BounceSent(string QueueId, int Number, IReadOnlyList<string> Recipients) : IDomainQueueEvent;

/// <summary>The "delayed" DSN of a message was stored by its destination.</summary>
public sealed record DelayWarningSent(string QueueId) : IDomainQueueEvent;

/// <summary>An operator suspended (true) or resumed (false) delivery of this queue.</summary>
public sealed record QueueSuspensionChanged(bool Suspended) : IDomainQueueEvent;

/// <summary>An operator asked to retry now: every pending message due later is due at <paramref name="At"/>.</summary>
public sealed record QueueFlushed(DateTimeOffset At) : IDomainQueueEvent;
