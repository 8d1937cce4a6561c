namespace ActorMTA.Protocol.Imap;

/// <summary>A message in a THREAD response; <paramref name="Number"/> null is a placeholder for a missing parent (REFERENCES).</summary>
public sealed record ThreadNode(uint? Number, IReadOnlyList<ThreadNode> Children)
{
    public static ThreadNode Leaf(uint number) => new(number, []);
}

/// <summary>
/// What THREAD needs of one message: its sent date (the internal date when it has no valid Date:), its base subject
/// (<see cref="BaseSubject"/>), and for REFERENCES its Message-ID and references (the References: ids in order, or
/// the first In-Reply-To: id when there is no References:).
/// </summary>
public sealed record ThreadMessage(uint Sequence, uint Number, DateTimeOffset Date, string BaseSubject, bool IsReplyOrForward,
    string? MessageId, IReadOnlyList<string> References);
