using Akka.Actor;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// Content of expunged messages that IMAP sessions may still fetch: each session with the folder selected keeps the
/// message in its view until it has told its client about the EXPUNGE (RFC 3501 section 7.4.1 lets it wait), so the
/// bytes are released only when the last such session is done with them, unselects or dies.
/// Not persisted: after the entity restarts, what was retained here is not released (a spool file left behind,
/// never a message lost).
/// </summary>
internal sealed class RetainedContent
{
    private readonly Dictionary<string, HashSet<IActorRef>> _viewers = new(StringComparer.Ordinal);

    public bool IsEmpty => _viewers.Count == 0;

    public int Count => _viewers.Count;

    public void Retain(string reference, IEnumerable<IActorRef> viewers) => _viewers[reference] = [.. viewers];

    /// <summary>Returns true when <paramref name="reference"/> was retained and nobody views it any more.</summary>
    public bool Drop(IActorRef viewer, string reference)
    {
        if (!_viewers.TryGetValue(reference, out var viewers) || !viewers.Remove(viewer) || viewers.Count > 0) return false;
        _viewers.Remove(reference);
        return true;
    }

    /// <summary>The viewer's view is gone: returns the references nobody views any more.</summary>
    public List<string> DropAll(IActorRef viewer)
    {
        var free = new List<string>();
        foreach (var (reference, viewers) in _viewers)
            if (viewers.Remove(viewer) && viewers.Count == 0) free.Add(reference);
        foreach (var reference in free) _viewers.Remove(reference);
        return free;
    }
}
