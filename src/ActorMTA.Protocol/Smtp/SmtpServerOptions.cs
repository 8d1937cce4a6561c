namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// Per-listener settings of an SMTP session; the caller fills them from the "smtp" section of the
/// configuration and the listener block (submission, tls).
/// </summary>
/// <param name="HostName">Announced in the greeting and the EHLO reply.</param>
/// <param name="IsSubmission">Message-submission port (RFC 6409): AUTH is required before MAIL.</param>
/// <param name="TlsAvailable">STARTTLS can be offered (a certificate is loaded and the port is not implicit TLS).</param>
/// <param name="TlsActive">The connection is already encrypted (implicit-TLS port).</param>
/// <param name="AuthRequiresTls">AUTH is advertised and accepted only on an encrypted connection.</param>
/// <param name="MaxMessageSize">Largest message in bytes, advertised as SIZE.</param>
/// <param name="MaxRecipients">Recipients per transaction; more get 452 4.5.3.</param>
/// <param name="MaxAuthFailures">Failed AUTH attempts before the connection is closed with 421.</param>
/// <param name="MaxCommands">Command lines per session before the connection is closed with 421.</param>
public sealed record SmtpServerOptions(
    string HostName,
    bool IsSubmission,
    bool TlsAvailable,
    bool TlsActive,
    bool AuthRequiresTls,
    long MaxMessageSize,
    int MaxRecipients,
    int MaxAuthFailures,
    int MaxCommands)
{
    /// <summary>Errors (bad commands, refused recipients) after which every error reply is delayed.</summary>
    public int SoftErrorLimit { get; init; } = 10;

    /// <summary>The error that reaches this count ends the session with 421 4.7.0.</summary>
    public int HardErrorLimit { get; init; } = 20;
}
