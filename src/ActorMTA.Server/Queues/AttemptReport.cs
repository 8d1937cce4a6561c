using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Queues;

/// <summary>What settled a message's recipients: a delivery attempt, or a decision without one.</summary>
public enum AttemptKind : byte
{
    /// <summary>An SMTP transaction (or the session that could not start one).</summary>
    Attempt = 0,

    /// <summary>The message reached its maximum age (delivery.max-age).</summary>
    Expiry = 1,

    /// <summary>An operator bounced it (ctl queue bounce).</summary>
    AdminBounce = 2,

    /// <summary>The domain's MX lookup failed for good (or it has a null MX).</summary>
    Resolution = 3,
}

/// <summary>
/// The circumstances of a <see cref="DeliveryAttempted"/>, journaled with it (manifest QA2 on) so that delivery events
/// derived from the journal after a crash say the same as those of the live attempt: the host and address that answered,
/// the TLS in use, the egress source and site, how long it took, and each recipient's reply.
/// </summary>
public sealed record AttemptReport(
    AttemptKind Kind, DateTimeOffset At, string? MxHost, string? MxAddress, string? TlsProtocol, string? TlsCipher, string? Source, string? Site, string? Provider,
    long DurationMs, IReadOnlyList<RecipientReply> Replies)
{
    public SmtpReply? ReplyOf(string recipient)
    {
        foreach (var reply in Replies)
            if (string.Equals(reply.Recipient, recipient, StringComparison.Ordinal)) return reply.Reply;
        return null;
    }
}

/// <summary>The reply one recipient got in an attempt.</summary>
public sealed record RecipientReply(string Recipient, SmtpReply Reply);
