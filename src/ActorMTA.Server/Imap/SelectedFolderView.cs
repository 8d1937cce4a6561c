using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Mailboxes;

namespace ActorMTA.Server.Imap;

/// <summary>
/// The selected folder as one IMAP session has told its client: the sequence ↔ uid map, \Recent, the FLAGS it
/// announced, and the changes of other sessions it holds back until the IMAP rules let it tell them.
/// The Mailbox entity stays the authority; this view changes only through responses the client gets, so sequence
/// numbers never move under the client's feet (RFC 3501 sections 5.2, 5.5 and 7.4.1).
/// </summary>
public sealed class SelectedFolderView
{
    /// <summary>A held change; its flag part is mutable so the session's own later STORE can supersede it.</summary>
    private sealed record HeldChange(IReadOnlyList<long> Expunged, IReadOnlyList<MailboxMessage> Appended, IReadOnlyList<long> RecentUids,
        Dictionary<long, FlagChange> Flags);

    private readonly List<HeldChange> _held = [];
    private readonly List<string> _keywords;
    private readonly HashSet<string> _knownFlags = new(StringComparer.OrdinalIgnoreCase);

    public SelectedFolderView(string name, bool readOnly, long uidValidity, IEnumerable<MailboxMessage> messages, long recentFrom, IEnumerable<string> flags)
    {
        Name = name;
        ReadOnly = readOnly;
        UidValidity = uidValidity;
        Messages = messages.ToList();
        // Messages are in uid order, so the \Recent ones are the tail: walked from the end, a 20,000-message
        // folder with none recent costs one comparison.
        for (var i = Messages.Count - 1; i >= 0 && Messages[i].Uid >= recentFrom; i--) Recent.Add(Messages[i].Uid);
        _keywords = flags.Where(f => !f.StartsWith('\\')).ToList();
        foreach (var f in MailboxFlags.System.Concat(_keywords)) _knownFlags.Add(f);
    }

    public string Name { get; }
    public bool ReadOnly { get; }
    public long UidValidity { get; }

    /// <summary>In sequence order: index + 1 is the sequence number the client knows.</summary>
    public List<MailboxMessage> Messages { get; }

    public HashSet<long> Recent { get; } = [];

    public bool HasHeld => _held.Count > 0;

    /// <summary>CONDSTORE is enabled: every FETCH response with FLAGS also carries MODSEQ (RFC 7162 section 3.1).</summary>
    public bool ReportModSeq { get; set; }

    /// <summary>QRESYNC is enabled: expunges are told as VANISHED uid sets instead of EXPUNGE numbers (RFC 7162 section 3.2.10).</summary>
    public bool ReportVanished { get; set; }

    /// <summary>The untagged FETCH that tells a message's flags: UID always (RFC 7162 section 3.2.4 needs it with QRESYNC), MODSEQ with CONDSTORE.</summary>
    public ImapResponse.Fetch FlagsResponse(int index, bool withUid = true)
    {
        var message = Messages[index];
        var items = new List<ImapFetchItem> { new ImapFetchItem.Flags(FlagsOf(message)) };
        if (withUid || ReportVanished) items.Add(new ImapFetchItem.Uid((uint)message.Uid));
        if (ReportModSeq) items.Add(new ImapFetchItem.ModSeq(message.ModSeq));
        return new ImapResponse.Fetch((uint)index + 1, items);
    }

    /// <summary>FLAGS: the system flags plus every keyword announced so far.</summary>
    public IReadOnlyList<string> Flags => [.. MailboxFlags.System, .. _keywords];

    /// <summary>PERMANENTFLAGS: nothing for a read-only view; else every flag plus \* (clients may create keywords).</summary>
    public IReadOnlyList<string> PermanentFlags => ReadOnly ? [] : [.. MailboxFlags.System, .. _keywords, "\\*"];

    public int IndexOf(long uid)
    {
        int lo = 0, hi = Messages.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var u = Messages[mid].Uid;
            if (u == uid) return mid;
            if (u < uid) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    public IReadOnlyList<string> FlagsOf(MailboxMessage message)
    {
        var flags = message.Flags.ToList();
        if (Recent.Contains(message.Uid)) flags.Add(MailboxFlags.Recent);
        return flags;
    }

    /// <summary>Keeps another session's change until <see cref="Release"/>.</summary>
    public void Hold(FolderChanged change) =>
        _held.Add(new HeldChange(change.ExpungedUids, change.Appended, change.RecentUids, change.FlagChanges.ToDictionary(c => c.Uid)));

    /// <summary>
    /// Messages the session itself added to this folder (APPEND, COPY, MOVE into it): queued behind the held changes,
    /// which are older, so uids still arrive in order.
    /// </summary>
    public void HoldOwnAdded(IReadOnlyList<MailboxMessage> added, IReadOnlyList<long> recentUids) =>
        _held.Add(new HeldChange([], added, recentUids, []));

    /// <summary>
    /// Applies the held changes in order and returns their untagged responses. When EXPUNGE may not be sent
    /// (during FETCH, STORE, SEARCH by sequence number) it stops before the first change that would expunge a message
    /// the client still has; the rest waits for a later command.
    /// </summary>
    public List<ImapResponse> Release(bool expungesAllowed)
    {
        var output = new List<ImapResponse>();
        var taken = 0;
        foreach (var change in _held)
        {
            if (!expungesAllowed && change.Expunged.Any(uid => IndexOf(uid) >= 0)) break;
            Apply(change, output);
            taken++;
        }
        _held.RemoveRange(0, taken);
        return output;
    }

    /// <summary>
    /// The session's own EXPUNGE/MOVE: the held changes go first (the entity made them before this one, and an
    /// expunged uid may be a message the client has not been told of yet), then the messages leave the view, one
    /// EXPUNGE response each. Only for commands during which EXPUNGE may be sent.
    /// </summary>
    public List<ImapResponse> Expunge(IEnumerable<long> uids)
    {
        var output = Release(expungesAllowed: true);
        RemoveExpunged(uids, output);
        return output;
    }

    /// <summary>
    /// The session's own STORE (or FETCH's implicit \Seen): the new flags are the newest (the entity answered after
    /// every change it had pushed before). When <paramref name="told"/> (the caller sends FETCH FLAGS of the view now)
    /// older held changes of these messages are dropped; otherwise (STORE .SILENT) a held change made by another
    /// session is still told, with the newest flags (RFC 3501 section 6.4.6). Returns keyword announcements; FETCH
    /// responses are the caller's, since their form depends on the command.
    /// </summary>
    public List<ImapResponse> ApplyOwnFlags(IReadOnlyList<FlagChange> changes, bool told = true)
    {
        var output = new List<ImapResponse>();
        AnnounceKeywords(changes.SelectMany(c => c.Flags), output);
        foreach (var change in changes)
        {
            foreach (var held in _held)
            {
                if (!held.Flags.ContainsKey(change.Uid)) continue;
                if (told) held.Flags.Remove(change.Uid);
                else held.Flags[change.Uid] = change;
            }
            var index = IndexOf(change.Uid);
            if (index >= 0) Messages[index] = Messages[index] with { Flags = change.Flags, ModSeq = Math.Max(Messages[index].ModSeq, change.ModSeq) };
        }
        return output;
    }

    /// <summary>
    /// Content references of the expunged messages the client has been told about since the last call: the entity
    /// keeps their content readable until no view holds them any more.
    /// </summary>
    public List<string> TakeReleasedContent()
    {
        var released = _released;
        _released = [];
        return released;
    }

    private List<string> _released = [];

    private void Apply(HeldChange change, List<ImapResponse> output)
    {
        RemoveExpunged(change.Expunged, output);
        var added = false;
        AnnounceKeywords(change.Appended.SelectMany(m => m.Flags), output);
        foreach (var message in change.Appended)
        {
            if (Messages.Count > 0 && message.Uid <= Messages[^1].Uid) continue;
            Messages.Add(message);
            added = true;
        }
        foreach (var uid in change.RecentUids)
            if (IndexOf(uid) >= 0) Recent.Add(uid);
        if (added)
        {
            output.Add(new ImapResponse.Exists((uint)Messages.Count));
            output.Add(new ImapResponse.Recent((uint)Recent.Count));
        }
        AnnounceKeywords(change.Flags.Values.SelectMany(f => f.Flags), output);
        foreach (var (uid, flags) in change.Flags.OrderBy(f => f.Key))
        {
            var index = IndexOf(uid);
            if (index < 0) continue;
            Messages[index] = Messages[index] with { Flags = flags.Flags, ModSeq = Math.Max(Messages[index].ModSeq, flags.ModSeq) };
            output.Add(FlagsResponse(index));
        }
    }

    private void RemoveExpunged(IEnumerable<long> uids, List<ImapResponse> output)
    {
        var vanished = new List<uint>();
        foreach (var uid in uids)
        {
            var index = IndexOf(uid);
            if (index < 0) continue;
            _released.Add(Messages[index].ContentRef);
            Messages.RemoveAt(index);
            Recent.Remove(uid);
            if (ReportVanished) vanished.Add((uint)uid);
            else output.Add(new ImapResponse.Expunge((uint)index + 1));
        }
        if (vanished.Count > 0) output.Add(new ImapResponse.Vanished(false, SequenceSet.FromNumbers(vanished.Order())));
    }

    /// <summary>RFC 3501 section 7.2.6: a keyword new to the folder is announced with FLAGS (and PERMANENTFLAGS) before it is used.</summary>
    private void AnnounceKeywords(IEnumerable<string> flags, List<ImapResponse> output)
    {
        var before = _keywords.Count;
        foreach (var flag in flags)
        {
            if (_knownFlags.Add(flag)) _keywords.Add(flag);
        }
        if (_keywords.Count == before) return;
        output.Add(new ImapResponse.Flags(Flags));
        if (!ReadOnly)
            output.Add(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.PermanentFlags(PermanentFlags), "Flags permitted"));
    }
}
