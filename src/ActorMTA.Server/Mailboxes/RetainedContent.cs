namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// Content that IMAP sessions may still fetch although the message left their folder: each session with the folder
/// selected keeps the message in its view until it has told its client about the EXPUNGE (RFC 3501 section 7.4.1 lets
/// it wait). A reference is watched by those viewers; the releases owed for it (one per expunge of it) are carried out
/// only when the last viewer is done with it, unselects or dies. A MOVE out of a folder owes no release (the content
/// lives on in the target) but is watched all the same, so that expunging the moved copy before the source's viewers
/// are told cannot free bytes they may still fetch.
/// Not persisted: after the entity restarts, what was owed here is not released (a spool file left behind,
/// never a message lost).
/// </summary>
/// <typeparam name="TViewer">The session (an actor reference in the entity).</typeparam>
public sealed class RetainedContent<TViewer> where TViewer : notnull
{
    private sealed class Entry
    {
        public HashSet<TViewer> Viewers { get; } = [];
        public int OwedReleases { get; set; }
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool IsEmpty => _entries.Count == 0;

    public int Count => _entries.Count;

    public bool IsWatched(string reference) => _entries.ContainsKey(reference);

    /// <summary>
    /// <paramref name="reference"/> was expunged: it is released now (returns true) unless somebody still views it,
    /// in which case the release is owed until the last viewer is done.
    /// </summary>
    public bool ReleaseNowOrOwe(string reference, IReadOnlyCollection<TViewer> viewers)
    {
        if (viewers.Count == 0 && !_entries.ContainsKey(reference)) return true;
        var entry = Watch(reference, viewers);
        entry.OwedReleases++;
        return false;
    }

    /// <summary><paramref name="viewers"/> may still fetch <paramref name="reference"/>, but nothing is owed for it (MOVE).</summary>
    public void WatchOnly(string reference, IReadOnlyCollection<TViewer> viewers)
    {
        if (viewers.Count > 0) Watch(reference, viewers);
    }

    /// <summary>The viewer is done with <paramref name="reference"/>: returns how many releases are now due (usually 0 or 1).</summary>
    public int Drop(TViewer viewer, string reference)
    {
        if (!_entries.TryGetValue(reference, out var entry) || !entry.Viewers.Remove(viewer) || entry.Viewers.Count > 0) return 0;
        _entries.Remove(reference);
        return entry.OwedReleases;
    }

    /// <summary>The viewer's view is gone: returns the releases now due, one item per release.</summary>
    public List<string> DropAll(TViewer viewer)
    {
        var done = new List<string>();
        foreach (var (reference, entry) in _entries)
            if (entry.Viewers.Remove(viewer) && entry.Viewers.Count == 0) done.Add(reference);
        var due = new List<string>();
        foreach (var reference in done)
        {
            var owed = _entries[reference].OwedReleases;
            _entries.Remove(reference);
            for (var i = 0; i < owed; i++) due.Add(reference);
        }
        return due;
    }

    private Entry Watch(string reference, IEnumerable<TViewer> viewers)
    {
        if (!_entries.TryGetValue(reference, out var entry)) _entries[reference] = entry = new Entry();
        entry.Viewers.UnionWith(viewers);
        return entry;
    }
}
