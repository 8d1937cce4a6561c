namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// The outcome of one <see cref="OutboundMessage"/>: a result per recipient (same order as the message's
/// recipients) and the reply that ended the transaction (final DATA reply, MAIL refusal, the last RCPT
/// refusal when none was accepted, a 421, or a local synthetic reply).
/// </summary>
public sealed record TransactionResult(string QueueId, IReadOnlyList<RecipientResult> Recipients, SmtpReply Reply)
{
    public IEnumerable<RecipientResult> Accepted => Recipients.Where(r => r.Accepted);

    public IEnumerable<RecipientResult> TransientFailures => Recipients.Where(r => r.IsTransientFailure);

    public IEnumerable<RecipientResult> PermanentFailures => Recipients.Where(r => r.IsPermanentFailure);

    public bool Equals(TransactionResult? other) =>
        other is not null && QueueId == other.QueueId && Reply.Equals(other.Reply)
        && Recipients.SequenceEqual(other.Recipients);

    public override int GetHashCode() => HashCode.Combine(QueueId, Recipients.Count, Reply);
}
