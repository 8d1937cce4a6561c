namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// The replies collected so far for one message in flight, and the rule that turns them into per-recipient
/// results. Internal to <see cref="SmtpClientEngine"/>.
/// </summary>
internal sealed class OutboundTransaction
{
    public OutboundTransaction(OutboundMessage message, bool pipelined)
    {
        Message = message;
        Pipelined = pipelined;
        RecipientReplies = new SmtpReply?[message.Recipients.Count];
    }

    public OutboundMessage Message { get; }

    /// <summary>MAIL, every RCPT and DATA went out as one group (RFC 2920).</summary>
    public bool Pipelined { get; }

    public SmtpReply? MailReply { get; set; }

    /// <summary>Null for a recipient whose RCPT was not answered (yet).</summary>
    public SmtpReply?[] RecipientReplies { get; }

    /// <summary>SendContent is outstanding: the actor is streaming the content.</summary>
    public bool ContentSending { get; set; }

    public bool MailRefused => MailReply is not null && !IsCompletion(MailReply);

    public bool AnyRecipientAccepted =>
        MailReply is not null && !MailRefused && RecipientReplies.Any(r => r is not null && IsCompletion(r));

    /// <summary>The reply of the last answered RCPT; used as the overall reply when none was accepted.</summary>
    public SmtpReply? LastRecipientReply => RecipientReplies.LastOrDefault(r => r is not null);

    /// <summary>
    /// A refused MAIL decides for everyone (the RCPT replies after it are only "need MAIL first").
    /// Otherwise a recipient refused at RCPT keeps its own reply, and every other recipient (accepted, or
    /// not answered because the session ended) gets <paramref name="outcome"/>.
    /// </summary>
    public TransactionResult Settle(SmtpReply outcome)
    {
        var results = new RecipientResult[Message.Recipients.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var rcpt = RecipientReplies[i];
            var reply = MailRefused ? MailReply!
                : rcpt is not null && !IsCompletion(rcpt) ? rcpt
                : outcome;
            results[i] = new RecipientResult(Message.Recipients[i], reply);
        }
        return new TransactionResult(Message.QueueId, results, outcome);
    }

    public static bool IsCompletion(SmtpReply reply) => reply.Code is >= 200 and < 300;
}
