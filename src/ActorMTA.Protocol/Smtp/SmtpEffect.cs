namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// Work the session actor must do after sending a step's replies. Every effect except <see cref="Close"/>
/// must be answered with its completion call before the engine is given more input; the actor keeps
/// unread client bytes buffered meanwhile (they may be pipelined commands or BDAT content).
/// </summary>
public abstract record SmtpEffect
{
    private SmtpEffect()
    {
    }

    /// <summary>Decide whether this recipient is acceptable (local user, relay policy); answer with
    /// <see cref="SmtpServerEngine.OnRecipientVerdict"/>.</summary>
    public sealed record CheckRecipient(SmtpPath Recipient) : SmtpEffect;

    /// <summary>Verify the credentials of AUTH PLAIN/LOGIN (the actor may delay a failure answer by
    /// <see cref="SmtpServerEngine.AuthFailures"/> times its penalty); answer with
    /// <see cref="SmtpServerEngine.OnAuthResult"/>. AuthorizationId is empty when the client gave none.</summary>
    public sealed record Authenticate(string Mechanism, string AuthorizationId, string User, string Password) : SmtpEffect
    {
        // Records print all members by default; a password must never reach a log line.
        protected override bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append("Mechanism = ").Append(Mechanism)
                .Append(", AuthorizationId = ").Append(AuthorizationId)
                .Append(", User = ").Append(User)
                .Append(", Password = ***");
            return true;
        }
    }

    /// <summary>After the 354 reply: read message content up to and including CRLF.CRLF (see
    /// <see cref="Text.DotUnstuffer"/>), storing at most the options' MaxMessageSize bytes; answer with
    /// <see cref="SmtpServerEngine.OnDataReceived"/>.</summary>
    public sealed record BeginData : SmtpEffect
    {
        public static readonly BeginData Instance = new();
    }

    /// <summary>Read exactly <paramref name="Size"/> bytes of content (RFC 3030) and append them to the
    /// message; answer with <see cref="SmtpServerEngine.OnDataReceived"/>. Nothing was replied yet.</summary>
    public sealed record BeginBdat(long Size, bool Last) : SmtpEffect;

    /// <summary>The BDAT command was refused, but its chunk is on the wire already: read exactly
    /// <paramref name="Size"/> bytes and discard them, then call <see cref="SmtpServerEngine.OnDataReceived"/>
    /// (any outcome); the refusal is sent then.</summary>
    public sealed record SkipBdat(long Size) : SmtpEffect;

    /// <summary>All content is in: make it durable and persist the message for this envelope; answer with
    /// <see cref="SmtpServerEngine.OnMessageAccepted"/> or <see cref="SmtpServerEngine.OnMessageFailed"/>.</summary>
    public sealed record CompleteMessage(SmtpEnvelope Envelope) : SmtpEffect;

    /// <summary>Run the TLS handshake now. Client bytes already received after the STARTTLS line were sent
    /// in plaintext and must be discarded (RFC 3207 section 4.2). Answer with
    /// <see cref="SmtpServerEngine.OnTlsEstablished"/>, or close the connection if the handshake fails.</summary>
    public sealed record StartTls : SmtpEffect
    {
        public static readonly StartTls Instance = new();
    }

    /// <summary>Close the connection after the step's replies are sent. The engine is finished.</summary>
    public sealed record Close : SmtpEffect
    {
        public static readonly Close Instance = new();
    }
}
