namespace ActorMTA.Server.Hosting;

/// <summary>
/// actormta.smtp.bare-newlines: a CR or LF in message content that is not part of a CRLF (RFC 5321 section
/// 2.3.8 forbids them; SMTP smuggling hides a second message behind them).
/// </summary>
public enum BareNewlinePolicy
{
    /// <summary>Read to the real end of data, then refuse the message with 554 5.6.0 (Postfix 3.9's default).</summary>
    Reject,

    /// <summary>Store the message with every bare CR or LF turned into CRLF.</summary>
    Normalize,
}
