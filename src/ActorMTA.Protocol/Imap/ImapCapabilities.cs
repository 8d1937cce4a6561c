namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The CAPABILITY list for a session: IMAP4rev1 and the implemented extensions always; STARTTLS while
/// TLS can still be started; AUTH=PLAIN (and SASL-IR) when logging in is allowed, LOGINDISABLED when it
/// waits for TLS. After authentication the login-related capabilities are no longer listed.
/// </summary>
public static class ImapCapabilities
{
    /// <summary>Extensions the protocol engine implements (RFC 7888, 2177, 4315, 6851, 2342, 3691, 5161, 2971, 6154, 4731, 5182, 5256, 5957, 5258, 5819, 7162, 3502, 9208, 6855, 3516).</summary>
    public static readonly IReadOnlyList<string> Extensions =
        ["LITERAL+", "IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "UNSELECT", "ENABLE", "ID", "SPECIAL-USE",
            "ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
            "LIST-EXTENDED", "LIST-STATUS", "CONDSTORE", "QRESYNC", "MULTIAPPEND",
            "QUOTA", "QUOTA=RES-STORAGE", "UTF8=ACCEPT", "BINARY"];

    public static IReadOnlyList<string> For(ImapServerOptions options, ImapState state, bool tlsActive)
    {
        var capabilities = new List<string> { "IMAP4rev1" };
        if (state == ImapState.NotAuthenticated)
        {
            if (options.TlsAvailable && !tlsActive) capabilities.Add("STARTTLS");
            if (IsLoginAllowed(options, tlsActive))
            {
                capabilities.Add("AUTH=PLAIN");
                capabilities.Add("SASL-IR");
            }
            else
            {
                capabilities.Add("LOGINDISABLED");
            }
        }
        capabilities.AddRange(Extensions);
        // RFC 4978: compression is for an authenticated session only.
        if (state != ImapState.NotAuthenticated) capabilities.Add("COMPRESS=DEFLATE");
        return capabilities;
    }

    /// <summary>LOGIN and AUTHENTICATE PLAIN may be used now.</summary>
    public static bool IsLoginAllowed(ImapServerOptions options, bool tlsActive) => tlsActive || !options.AuthRequiresTls;
}
