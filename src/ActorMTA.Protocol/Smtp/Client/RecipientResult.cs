namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// The outcome for one recipient of a transaction. <see cref="Reply"/> is the RCPT refusal when the
/// recipient was refused, otherwise the reply that settled the message (the final DATA reply, or the
/// MAIL/DATA refusal, a 421, or a local reply).
/// </summary>
public sealed record RecipientResult(string Recipient, SmtpReply Reply)
{
    /// <summary>The server took responsibility: 2xx to RCPT and 2xx to the end of the content.</summary>
    public bool Accepted => Reply.Code is >= 200 and < 300;

    public bool IsTransientFailure => Reply.IsTransientFailure;

    public bool IsPermanentFailure => Reply.IsPermanentFailure;
}
