using Akka.Actor;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// The sessions that have a folder selected, in selection order. Keyed by the <see cref="FolderState"/> object,
/// so a rename keeps them. Not persisted: a session re-selects after the entity restarts elsewhere.
/// </summary>
internal sealed class FolderSessions
{
    private readonly Dictionary<IActorRef, (FolderState Folder, bool ReadOnly, long Order)> _sessions = new();
    private long _next;

    public bool IsEmpty => _sessions.Count == 0;

    /// <summary>Returns true when the session was not known before (it must be watched).</summary>
    public bool Register(IActorRef session, FolderState folder, bool readOnly)
    {
        var isNew = !_sessions.ContainsKey(session);
        _sessions[session] = (folder, readOnly, _next++);
        return isNew;
    }

    public bool Remove(IActorRef session) => _sessions.Remove(session);

    /// <summary>Identifies the session's current selection: it changes with every SELECT, null when none.</summary>
    public long? SelectionOf(IActorRef session) => _sessions.TryGetValue(session, out var s) ? s.Order : null;

    /// <summary>The sessions of <paramref name="folder"/> except <paramref name="except"/>, oldest selection first.</summary>
    public IReadOnlyList<(IActorRef Session, bool ReadOnly)> Of(FolderState folder, IActorRef? except) => _sessions
        .Where(s => s.Value.Folder == folder && !s.Key.Equals(except))
        .OrderBy(s => s.Value.Order)
        .Select(s => (s.Key, s.Value.ReadOnly))
        .ToList();

    public void RemoveAll(FolderState folder)
    {
        foreach (var session in _sessions.Where(s => s.Value.Folder == folder).Select(s => s.Key).ToList()) _sessions.Remove(session);
    }
}
