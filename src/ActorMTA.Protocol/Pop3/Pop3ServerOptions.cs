namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// Per-session settings for <see cref="Pop3ServerEngine"/>, filled by the caller from the listener
/// block and <c>actormta.pop3</c> in actormta.conf.
/// </summary>
/// <param name="HostName">Announced in the greeting and the sign-off line.</param>
/// <param name="TlsAvailable">A certificate is configured, so STLS can be offered.</param>
/// <param name="TlsActive">The connection is already encrypted (implicit TLS listener).</param>
/// <param name="AuthRequiresTls">USER/PASS and AUTH are refused (and not advertised) on plaintext connections.</param>
/// <param name="MaxAuthFailures">The failed login that reaches this count closes the connection (at least 1).</param>
public sealed record Pop3ServerOptions(
    string HostName,
    bool TlsAvailable,
    bool TlsActive,
    bool AuthRequiresTls,
    int MaxAuthFailures)
{
    /// <summary>The -ERR answer to a command that reaches this count closes the connection.</summary>
    public int MaxBadCommands { get; init; } = 20;
}
