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
    public bool Equals(SmtpEnvelope? other) =>
        other is not null
        && ReversePath == other.ReversePath
        && Recipients.SequenceEqual(other.Recipients)
        && Body == other.Body
        && SmtpUtf8 == other.SmtpUtf8
        && DeclaredSize == other.DeclaredSize
        && ClientHelo == other.ClientHelo
        && AuthenticatedUser == other.AuthenticatedUser
        && TlsActive == other.TlsActive;

    public override int GetHashCode() => HashCode.Combine(ReversePath, Recipients.Count, Body, AuthenticatedUser);
}
