namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// Work the session actor must do after sending a step's lines. Every effect except
/// <see cref="Close"/> blocks the engine until the matching completion call
/// (input received meanwhile is queued, see <see cref="Pop3ServerEngine.PendingInputCount"/>).
/// </summary>
public abstract record Pop3Effect
{
    private Pop3Effect()
    {
    }

    /// <summary>Check the credentials and load the maildrop; answer with
    /// <see cref="Pop3ServerEngine.OnAuthResult"/>, <see cref="Pop3ServerEngine.OnMaildropInUse"/>
    /// or <see cref="Pop3ServerEngine.OnAuthUnavailable"/>. <paramref name="AuthorizationId"/> is the SASL PLAIN
    /// authzid (empty for USER/PASS and when none was sent); the check applies Sasl.SaslAuthorization to it.</summary>
    public sealed record Authenticate(string User, string Password, string AuthorizationId = "") : Pop3Effect
    {
        // Records print all members by default; a password must never reach a log line.
        protected override bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append("User = ").Append(User).Append(", Password = ***, AuthorizationId = ").Append(AuthorizationId);
            return true;
        }
    }

    /// <summary>Open the stored message; once it is open, send <paramref name="StatusLine"/> (the "+OK") and stream
    /// the message dot-stuffed and terminated with ".\r\n" (see <see cref="Pop3ContentEncoder"/>). TopLines set means
    /// TOP: headers, blank line and that many body lines. The status line travels here, not in the step's lines,
    /// because it is true only once the content could be opened. Answer with <see cref="Pop3ServerEngine.OnMessageSent"/>,
    /// or <see cref="Pop3ServerEngine.OnMessageUnavailable"/> when the content could not be opened.</summary>
    public sealed record SendMessage(int Number, string Uid, int? TopLines, string StatusLine) : Pop3Effect;

    /// <summary>Run the TLS handshake now. Any input that arrived after the STLS line must be discarded
    /// (it was sent in plaintext and could be injected). Answer with <see cref="Pop3ServerEngine.OnTlsEstablished"/>.</summary>
    public sealed record StartTls : Pop3Effect
    {
        public static readonly StartTls Instance = new();
    }

    /// <summary>UPDATE state: remove these messages from the maildrop (possibly none) and release it;
    /// answer with <see cref="Pop3ServerEngine.OnCommitted"/>.</summary>
    public sealed record Commit(IReadOnlyList<string> DeletedUids) : Pop3Effect;

    /// <summary>Close the connection after the step's lines are sent. The engine is finished.</summary>
    public sealed record Close : Pop3Effect
    {
        public static readonly Close Instance = new();
    }
}
