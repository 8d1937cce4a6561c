using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Queues;

/// <summary>
/// One message waiting in a domain queue with its delivery bookkeeping: the recipients still to deliver,
/// attempts made, when the next one is due, what the last one said, and the recipients that failed for good
/// and wait for their bounce (<see cref="Failures"/>). The entry leaves the queue once both lists are empty.
/// </summary>
public sealed record QueuedDelivery(
    string QueueId,
    string ContentRef,
    string ReversePath,
    IReadOnlyList<string> Recipients,
    long Size,
    DateTimeOffset QueuedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    string? LastResult)
{
    /// <summary>Recipients that failed permanently (or expired) and are not yet reported to the sender.</summary>
    public IReadOnlyList<FailedDelivery> Failures { get; init; } = [];

    /// <summary>Bounces acknowledged so far; the next one is number BouncesSent + 1 (its id is derived from it).</summary>
    public int BouncesSent { get; init; }

    /// <summary>The one "delayed" DSN for this message was stored.</summary>
    public bool DelayWarningSent { get; init; }

    /// <summary>How the message was received, so it is relayed with the same BODY/SMTPUTF8 declarations.</summary>
    public ContentTraits Traits { get; init; }

    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461): passed on to the next hop and used in our own reports.</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>NOTIFY=/ORCPT= by recipient address; a recipient missing here gave none.</summary>
    public IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsn { get; init; } = NoRecipientDsn;

    /// <summary>The egress pool it goes out through (actormta.egress.pools); null: the default pool.</summary>
    public string? Pool { get; init; }

    /// <summary>Message-ID, tenant and campaign, for delivery events.</summary>
    public MessageTags Tags { get; init; } = MessageTags.None;

    public DsnRecipientParameters DsnOf(string recipient) => RecipientDsn.GetValueOrDefault(recipient, DsnRecipientParameters.None);

    public static readonly IReadOnlyDictionary<string, DsnRecipientParameters> NoRecipientDsn =
        new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal);
}

/// <summary>What a receiving server must support to take the message unchanged (RFC 6152, RFC 6531).</summary>
[Flags]
public enum ContentTraits : byte
{
    None = 0,
    EightBitMime = 1,
    SmtpUtf8 = 2,
}

/// <summary>
/// A recipient to report to the sender: one that will not be delivered, or (<see cref="IsRelayed"/>, a 2.x.x status)
/// one with NOTIFY=SUCCESS accepted by a server without DSN (RFC 3461 section 5.2.2, Action: relayed).
/// <paramref name="Status"/> is the RFC 3463 code, <paramref name="Diagnostic"/> "type; text" for the DSN's
/// Diagnostic-Code ("smtp; 550 5.1.1 no such user"), <paramref name="RemoteMta"/> the host that answered (null when none did).
/// </summary>
public sealed record FailedDelivery(string Recipient, string Status, string Diagnostic, string? RemoteMta, DateTimeOffset At)
{
    public bool IsRelayed => Status.StartsWith("2.", StringComparison.Ordinal);
}
