namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// Synthetic replies for outcomes the remote server did not state itself, so that every recipient result
/// carries an SMTP reply with an RFC 3463 enhanced code. 4xx ones mean "try again later", 5xx ones bounce.
/// </summary>
public static class LocalReplies
{
    /// <summary>No TCP connection could be made (refused, unreachable).</summary>
    public static readonly SmtpReply ConnectFailed = new(421, "4.4.1", "Connection to the server failed");

    /// <summary>The connection broke (reset, EOF) in the middle of the session.</summary>
    public static readonly SmtpReply ConnectionLost = new(421, "4.4.2", "Connection lost");

    /// <summary>The server did not answer within the RFC 5321 section 4.5.3.2 timeout.</summary>
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timed out waiting for the server");

    /// <summary>The server sent a line that is not an SMTP reply, or a reply nobody asked for.</summary>
    public static readonly SmtpReply MalformedReply = new(421, "4.5.0", "Malformed or unexpected reply from the server");

    /// <summary>TLS is required for this destination but the server offers no STARTTLS or refused it.</summary>
    public static readonly SmtpReply TlsRequired = new(421, "4.7.10", "TLS is required but the server does not offer it");

    /// <summary>The TLS handshake after STARTTLS failed (certificate, protocol).</summary>
    public static readonly SmtpReply TlsHandshakeFailed = new(421, "4.7.0", "TLS handshake failed");

    /// <summary>The message needs SMTPUTF8 and the server lacks it: RFC 6531 section 3.2 forbids sending it.</summary>
    public static readonly SmtpReply SmtpUtf8NotSupported =
        new(553, "5.6.7", "The message needs SMTPUTF8 but the server does not support it");

    /// <summary>The message has 8-bit content the delivery agent could not convert to 7-bit, and the server lacks 8BITMIME (RFC 6152).</summary>
    public static readonly SmtpReply EightBitMimeNotSupported =
        new(554, "5.6.3", "The message needs 8BITMIME but the server does not support it");

    /// <summary>The message is larger than the server's advertised SIZE limit (RFC 1870).</summary>
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds the server's fixed maximum message size");
}
