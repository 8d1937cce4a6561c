namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// One message to transfer on an outbound session: the envelope and what the content needs from the
/// server. The content itself never passes through the engine; the actor streams it on
/// <see cref="ClientEffect.SendContent"/>.
/// </summary>
/// <param name="QueueId">The spool id, handed back in <see cref="ClientEffect.SendContent"/> and the result.</param>
/// <param name="ReversePath">The MAIL FROM address without angle brackets; "" for the null reverse-path of bounces.</param>
/// <param name="Recipients">RCPT TO addresses without angle brackets, in the order they are sent.</param>
/// <param name="Size">Content size in bytes before dot-stuffing, declared as SIZE= (RFC 1870); 0 when unknown.</param>
/// <param name="Needs8BitMime">The content has 8-bit MIME parts (RFC 6152 BODY=8BITMIME).</param>
/// <param name="NeedsSmtpUtf8">The message has UTF-8 headers (RFC 6531). A non-ASCII address implies it.</param>
public sealed record OutboundMessage(
    string QueueId,
    string ReversePath,
    IReadOnlyList<string> Recipients,
    long Size,
    bool Needs8BitMime,
    bool NeedsSmtpUtf8)
{
    /// <summary>MAIL FROM RET=/ENVID= to pass on to a server that advertises DSN (RFC 3461 section 4.3, 4.4).</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>NOTIFY=/ORCPT= of each recipient, in the order of <see cref="Recipients"/>; empty when none was given.
    /// Passed on only to a server that advertises DSN.</summary>
    public IReadOnlyList<DsnRecipientParameters> RecipientDsn { get; init; } = [];

    /// <summary>The DSN parameters of recipient number <paramref name="index"/>.</summary>
    public DsnRecipientParameters RecipientDsnAt(int index) =>
        index < RecipientDsn.Count ? RecipientDsn[index] : DsnRecipientParameters.None;

    /// <summary>True when SMTPUTF8 is needed, either declared or because an address is not ASCII.</summary>
    public bool RequiresSmtpUtf8 =>
        NeedsSmtpUtf8 || !System.Text.Ascii.IsValid(ReversePath) || Recipients.Any(r => !System.Text.Ascii.IsValid(r));

    public bool Equals(OutboundMessage? other) =>
        other is not null && QueueId == other.QueueId && ReversePath == other.ReversePath
        && Recipients.SequenceEqual(other.Recipients) && Size == other.Size
        && Needs8BitMime == other.Needs8BitMime && NeedsSmtpUtf8 == other.NeedsSmtpUtf8
        && Dsn == other.Dsn && RecipientDsn.SequenceEqual(other.RecipientDsn);

    public override int GetHashCode() => HashCode.Combine(QueueId, ReversePath, Recipients.Count, Size);
}
