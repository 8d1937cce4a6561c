using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// Everything needed to write one delivery status notification for one queued message.
/// <paramref name="OriginalContent"/> is the stored message; only its header section is read unless a
/// failure is reported for a message sent with RET=FULL.
/// <paramref name="IsDelayWarning"/> turns the failure report into a "still being retried" warning.
/// </summary>
public sealed record BounceRequest(
    string ReportingMta,
    string OriginalQueueId,
    string OriginalEnvelopeFrom,
    IReadOnlyList<FailedRecipient> Recipients,
    Stream OriginalContent,
    DateTimeOffset ArrivalDate,
    bool IsDelayWarning)
{
    /// <summary>RET= and ENVID= of the original MAIL FROM (RFC 3461).</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>Who the report goes to: the original sender, unless this is a <see cref="DoubleBounce"/> (the postmaster).</summary>
    public string? Notify { get; init; }

    public string NotifyAddress => Notify ?? OriginalEnvelopeFrom;
}
