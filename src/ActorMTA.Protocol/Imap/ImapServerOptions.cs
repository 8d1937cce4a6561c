namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Settings of the IMAP protocol engine, filled by the caller from the listener block and the
/// <c>actormta.imap</c> section of actormta.conf. Nothing here is hard-coded in the engine.
/// </summary>
/// <param name="TlsAvailable">A certificate is configured, so STARTTLS can be offered on a plaintext connection.</param>
/// <param name="AuthRequiresTls">LOGIN and AUTHENTICATE are refused (LOGINDISABLED advertised) until TLS is active.</param>
/// <param name="MaxLiteralSize">Largest APPEND message literal accepted, in bytes; larger ones are refused before
/// their bytes are read (synchronizing) or discarded unread (LITERAL+).</param>
/// <param name="MaxCommandSize">Largest command in bytes: every line plus every literal held in memory
/// (the APPEND message literal, which the adapter may spool, is bounded by <paramref name="MaxLiteralSize"/> instead).</param>
public sealed record ImapServerOptions(
    bool TlsAvailable,
    bool AuthRequiresTls,
    long MaxLiteralSize,
    long MaxCommandSize)
{
    /// <summary>Largest literal of any kind before the client has logged in (a login needs a few short strings);
    /// larger ones are refused before their bytes are read.</summary>
    public long MaxLiteralBeforeAuth { get; init; } = long.MaxValue;
}
