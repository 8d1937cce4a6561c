namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// Everything the client declared for one message: what the session actor stores together with the
/// content when it completes the message.
/// </summary>
public sealed record SmtpEnvelope(
    SmtpPath ReversePath,
    IReadOnlyList<SmtpPath> Recipients,
    BodyType Body,
    bool SmtpUtf8,
    long? DeclaredSize,
    string? ClientHelo,
    string? AuthenticatedUser,
    bool TlsActive)
{
    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461).</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>RCPT TO NOTIFY=/ORCPT= of each recipient, in the order of <see cref="Recipients"/>
    /// (<see cref="DsnRecipientParameters.None"/> for one that gave none; a missing entry means none too).</summary>
    public IReadOnlyList<DsnRecipientParameters> RecipientDsn { get; init; } = [];

    /// <summary>The DSN parameters of the recipient at <paramref name="index"/> in <see cref="Recipients"/>.</summary>
    public DsnRecipientParameters RecipientDsnAt(int index) =>
        index < RecipientDsn.Count ? RecipientDsn[index] : DsnRecipientParameters.None;

    public bool Equals(SmtpEnvelope? other) =>
        other is not null
        && ReversePath == other.ReversePath
        && Recipients.SequenceEqual(other.Recipients)
        && Body == other.Body
        && SmtpUtf8 == other.SmtpUtf8
        && DeclaredSize == other.DeclaredSize
        && ClientHelo == other.ClientHelo
        && AuthenticatedUser == other.AuthenticatedUser
        && TlsActive == other.TlsActive
        && Dsn == other.Dsn
        && Enumerable.Range(0, Math.Max(RecipientDsn.Count, other.RecipientDsn.Count)).All(i => RecipientDsnAt(i) == other.RecipientDsnAt(i));

    public override int GetHashCode() => HashCode.Combine(ReversePath, Recipients.Count, Body, AuthenticatedUser);
}
