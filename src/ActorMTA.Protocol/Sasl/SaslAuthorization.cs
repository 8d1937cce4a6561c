namespace ActorMTA.Protocol.Sasl;

/// <summary>
/// The one rule for the SASL authorization identity (RFC 4616 authzid) in SMTP, POP3 and IMAP: acting as another
/// user (proxy authorization) is not supported, so the authzid must be empty or name the authentication identity
/// itself. The two are compared case-insensitively (invariant lower case), because account names are
/// (<c>Alice@Example.ORG</c> logs in as <c>alice@example.org</c>); no other normalisation (IDN) is applied. Any
/// other authzid makes the login fail exactly like a wrong password: same reply, counted as a failure.
/// </summary>
public static class SaslAuthorization
{
    public static bool Permits(string authorizationId, string authenticationId) =>
        authorizationId.Length == 0
        || string.Equals(authorizationId.ToLowerInvariant(), authenticationId.ToLowerInvariant(), StringComparison.Ordinal);
}
