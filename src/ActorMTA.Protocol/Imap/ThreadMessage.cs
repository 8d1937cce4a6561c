namespace ActorMTA.Protocol.Imap;

/// <summary>
/// What THREAD needs of one message: its sent date (the internal date when it has no valid Date:), its base subject
/// (<see cref="BaseSubject"/>), and for REFERENCES its Message-ID and references (the References: ids in order, or
/// the first In-Reply-To: id when there is no References:).
/// </summary>
public sealed record ThreadMessage(uint Sequence, uint Number, DateTimeOffset Date, string BaseSubject, bool IsReplyOrForward,
    string? MessageId, IReadOnlyList<string> References);
