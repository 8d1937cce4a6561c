namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// Work the delivery actor must do after writing a step's commands. <see cref="StartTlsHandshake"/> and
/// <see cref="SendContent"/> must be answered with their completion call before the engine is given
/// more input; the others are notifications.
/// </summary>
public abstract record ClientEffect
{
    private ClientEffect()
    {
    }

    /// <summary>The server said 220 to STARTTLS: run the TLS client handshake now and call
    /// <see cref="SmtpClientEngine.OnTlsEstablished"/>; on failure close and call
    /// <see cref="SmtpClientEngine.Abort"/>. Bytes already read after the 220 line arrived in plaintext and
    /// must be discarded (RFC 3207 section 5, response injection).</summary>
    public sealed record StartTlsHandshake : ClientEffect
    {
        public static readonly StartTlsHandshake Instance = new();
    }

    /// <summary>The server said 354: stream the message content dot-stuffed (see
    /// <see cref="Text.DotStuffer"/>) followed by ".\r\n", then call <see cref="SmtpClientEngine.OnContentSent"/>.</summary>
    public sealed record SendContent(string QueueId) : ClientEffect;

    /// <summary>One message is settled; the engine is <see cref="ClientState.Ready"/> for the next.</summary>
    public sealed record TransactionFinished(TransactionResult Result) : ClientEffect;

    /// <summary>
    /// The session cannot be used any more: write the step's commands (a courtesy QUIT, if any) and close
    /// the socket. <paramref name="Transaction"/> settles the message that was in flight, if any: recipients
    /// refused at RCPT keep their reply, all others get <paramref name="Reply"/>.
    /// </summary>
    /// <param name="Reply">Why: the server's reply (non-220 greeting, EHLO/HELO refusal, 421) or a local one
    /// (<see cref="LocalReplies"/>).</param>
    /// <param name="WholeConnection">True when the destination host refused or broke the session, so the actor
    /// should back off the host/domain before retrying; false when only this connection ended (the server
    /// timed out an idle session) and other messages may use a fresh connection at once.</param>
    public sealed record ConnectionFailed(SmtpReply Reply, bool WholeConnection, TransactionResult? Transaction = null) : ClientEffect;

    /// <summary>QUIT was answered (or the session was already gone): close the socket. The engine is finished.</summary>
    public sealed record Close : ClientEffect
    {
        public static readonly Close Instance = new();
    }
}
