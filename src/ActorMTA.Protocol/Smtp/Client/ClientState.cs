namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>Where an outbound SMTP session stands.</summary>
public enum ClientState
{
    /// <summary>Created; <see cref="SmtpClientEngine.OnConnected"/> not called yet.</summary>
    Connecting,

    /// <summary>Waiting for the server's 220 greeting.</summary>
    Greeting,

    /// <summary>EHLO (or the HELO fallback) sent, waiting for its reply.</summary>
    Ehlo,

    /// <summary>STARTTLS sent, or the TLS handshake under way.</summary>
    StartTls,

    /// <summary>Idle: a message can be handed over with <see cref="SmtpClientEngine.Send"/>.</summary>
    Ready,

    /// <summary>A message is being transferred (MAIL, RCPT, DATA, content, final reply).</summary>
    InTransaction,

    /// <summary>QUIT sent, waiting for its reply.</summary>
    Quitting,

    /// <summary>The session is over; the socket is (to be) closed.</summary>
    Closed,
}
