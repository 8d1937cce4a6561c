namespace ActorMTA.Server.Mailboxes;

/// <summary>One folder: its messages by uid plus the IMAP counters that must never go backwards.</summary>
public sealed class FolderState(string name)
{
    public string Name { get; internal set; } = name;

    /// <summary>0 until the folder's <see cref="FolderCreated"/> event is persisted.</summary>
    public long UidValidity { get; internal set; }

    public long UidNext { get; internal set; } = 1;

    /// <summary>Messages with uid &gt;= this are \Recent for the next session that selects the folder.</summary>
    public long RecentBoundary { get; internal set; } = 1;

    /// <summary>RFC 6154 attribute (\Sent, \Drafts, \Trash, \Junk) or null.</summary>
    public string? SpecialUse { get; internal set; }

    public long Bytes { get; private set; }

    /// <summary>RFC 7162 HIGHESTMODSEQ: the mod-sequence of the folder's latest change (a message added, changed or removed).</summary>
    public long HighestModSeq { get; internal set; }

    /// <summary>How many expunged uids are remembered for QRESYNC's VANISHED (EARLIER); older ones are forgotten.</summary>
    public const int VanishedLogLimit = 10_000;

    private readonly Queue<(long Uid, long ModSeq)> _vanished = new();

    /// <summary>Expunges at or below this mod-sequence may have been forgotten (0: every expunge since modseqs began is logged).</summary>
    public long VanishedFloor { get; internal set; }

    /// <summary>The remembered expunges, oldest first.</summary>
    public IEnumerable<(long Uid, long ModSeq)> VanishedLog => _vanished;

    /// <summary>
    /// Uids expunged after <paramref name="modSeq"/>, or null when that is further back than the log reaches (the
    /// caller then reports every uid it cannot find, which RFC 7162 section 3.2.5.1 allows).
    /// </summary>
    public IReadOnlyList<long>? VanishedSince(long modSeq) =>
        modSeq < VanishedFloor ? null : _vanished.Where(v => v.ModSeq > modSeq).Select(v => v.Uid).Order().ToList();

    internal void LogVanished(long uid, long modSeq)
    {
        _vanished.Enqueue((uid, modSeq));
        while (_vanished.Count > VanishedLogLimit) VanishedFloor = _vanished.Dequeue().ModSeq;
    }

    private readonly SortedList<long, MailboxMessage> _messages = new();
    private SelectView? _selectView;

    /// <summary>
    /// What SELECT reports, computed once per change of the folder: clients re-select their INBOX all the time, and
    /// with 20,000 messages the scan for the first unseen message and the keywords in use cost milliseconds.
    /// </summary>
    public SelectView View => _selectView ??= SelectView.Of(_messages.Values);

    /// <summary>Sorted by uid; index i is IMAP sequence number i + 1. Read-only view.</summary>
    public IList<MailboxMessage> Messages => _messages.Values;

    public int Count => _messages.Count;

    public int RecentCount => Count - LowerBound(RecentBoundary);

    public int UnseenCount => _messages.Values.Count(m => !m.HasFlag(MailboxFlags.Seen));

    /// <summary>Messages flagged \Deleted and the sum of their sizes (one pass, as <see cref="UnseenCount"/>).</summary>
    public (int Count, long Bytes) DeletedTotals()
    {
        var (count, bytes) = (0, 0L);
        foreach (var m in _messages.Values)
            if (m.HasFlag(MailboxFlags.Deleted)) (count, bytes) = (count + 1, bytes + m.Size);
        return (count, bytes);
    }

    public MailboxMessage? Get(long uid) => _messages.GetValueOrDefault(uid);

    /// <summary>Index of the first message with uid &gt;= <paramref name="uid"/> (Count when none).</summary>
    public int LowerBound(long uid)
    {
        var keys = _messages.Keys;
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (keys[mid] < uid) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    internal void Add(MailboxMessage message)
    {
        _selectView = null;
        _messages.Add(message.Uid, message);
        Bytes += message.Size;
        if (message.Uid >= UidNext) UidNext = message.Uid + 1;
    }

    internal void Replace(MailboxMessage message)
    {
        _selectView = null;
        _messages[message.Uid] = message;
    }

    internal MailboxMessage? Remove(long uid)
    {
        if (!_messages.Remove(uid, out var message)) return null;
        _selectView = null;
        Bytes -= message.Size;
        return message;
    }
}

/// <summary>A folder as SELECT sees it: an immutable copy of its messages (shared by every selecting session),
/// the 0-based index of the first unseen one (-1: none) and the keywords in use.</summary>
public sealed record SelectView(MailboxMessage[] Messages, int FirstUnseenIndex, IReadOnlyList<string> Keywords)
{
    public static SelectView Of(IList<MailboxMessage> messages)
    {
        var copy = messages.ToArray();
        var firstUnseen = Array.FindIndex(copy, m => !m.HasFlag(MailboxFlags.Seen));
        var keywords = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in copy)
            foreach (var flag in m.Flags)
                if (!flag.StartsWith('\\')) keywords.Add(flag);
        return new SelectView(copy, firstUnseen, [.. keywords]);
    }
}
