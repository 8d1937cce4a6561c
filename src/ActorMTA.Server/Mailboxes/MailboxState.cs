namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// Everything one mailbox holds, built from its events. Owned by the Mailbox actor (not thread-safe);
/// what leaves the actor are immutable <see cref="MailboxMessage"/>s and snapshots.
/// </summary>
public sealed class MailboxState
{
    private readonly Dictionary<string, FolderState> _folders = new();
    // Indexes point at the FolderState object, not its name, so a rename does not invalidate them.
    // Content reference -> where it is stored: makes a re-sent delivery idempotent and finds refs to release.
    private readonly Dictionary<string, (FolderState Folder, long Uid)> _byContentRef = new();
    // Message id -> every entry holding it (copies share the id): a delivery is idempotent per message id.
    private readonly Dictionary<string, List<(FolderState Folder, long Uid)>> _byQueueId = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _subscriptions = new(StringComparer.Ordinal);

    public MailboxState() => _folders[MailboxFolders.Inbox] = new FolderState(MailboxFolders.Inbox);

    public FolderState Inbox => _folders[MailboxFolders.Inbox];

    public IEnumerable<FolderState> Folders => _folders.Values;

    public IReadOnlyCollection<string> Subscriptions => _subscriptions;

    /// <summary>The highest UIDVALIDITY this mailbox ever used (new ones are strictly greater).</summary>
    public long LastUidValidity { get; private set; }

    public FolderState? Folder(string name) => _folders.GetValueOrDefault(MailboxFolders.Normalize(name));

    public bool IsSubscribed(string name) => _subscriptions.Contains(MailboxFolders.Normalize(name));

    public MailboxMessage? FindByContentRef(string contentRef) =>
        _byContentRef.TryGetValue(contentRef, out var at) ? at.Folder.Get(at.Uid) : null;

    public MailboxMessage? FindByQueueId(string queueId) =>
        _byQueueId.TryGetValue(queueId, out var all) && all.Count > 0 ? all[0].Folder.Get(all[0].Uid) : null;

    /// <summary>
    /// The mailbox's RFC 7162 change counter: every event that adds, changes or removes messages takes the next value,
    /// in the order events are applied, so replaying the journal (or a snapshot and what followed it) gives the same
    /// mod-sequences. One counter for all folders: a folder's values rise strictly, with gaps, which RFC 7162 allows.
    /// </summary>
    public long HighestModSeq { get; private set; } = 1;

    public void Apply(IMailboxEvent @event)
    {
        switch (@event)
        {
            case FolderCreated created:
                var newFolder = GetOrAdd(created.Folder);
                newFolder.UidValidity = created.UidValidity;
                newFolder.SpecialUse = created.SpecialUse;
                newFolder.HighestModSeq = Math.Max(newFolder.HighestModSeq, HighestModSeq);
                LastUidValidity = Math.Max(LastUidValidity, created.UidValidity);
                break;
            case MessageAppended appended:
            {
                var folder = GetOrAdd(appended.Folder);
                Index(folder, new MailboxMessage(appended.Uid, appended.QueueId, appended.ContentRef, appended.Size, appended.InternalDate, appended.Flags)
                    { ModSeq = NextModSeq(folder) });
                break;
            }
            case MessagesRemoved removed:
                if (Folder(removed.Folder) is { } from && removed.Uids.Count > 0)
                {
                    var modSeq = NextModSeq(from);
                    foreach (var uid in removed.Uids)
                        if (Unindex(from, uid) is not null) from.LogVanished(uid, modSeq);
                }
                break;
            case FolderDeleted deleted:
                if (Folder(deleted.Folder) is not { } gone || gone == Inbox) break;
                foreach (var uid in gone.Messages.Select(m => m.Uid).ToList()) Unindex(gone, uid);
                _folders.Remove(gone.Name);
                break;
            case FolderRenamed renamed:
                foreach (var folder in _folders.Values.Where(f => f.Name == renamed.From || MailboxFolders.IsBelow(f.Name, renamed.From)).ToList())
                {
                    _folders.Remove(folder.Name);
                    folder.Name = renamed.To + folder.Name[renamed.From.Length..];
                    _folders[folder.Name] = folder;
                }
                break;
            case FolderSubscriptionChanged subscription:
                if (subscription.Subscribed) _subscriptions.Add(MailboxFolders.Normalize(subscription.Folder));
                else _subscriptions.Remove(MailboxFolders.Normalize(subscription.Folder));
                break;
            case MessageFlagsSet flags:
            {
                if (Folder(flags.Folder) is not { } flagged || flags.Changes.Count == 0) break;
                var modSeq = NextModSeq(flagged);
                foreach (var change in flags.Changes)
                    if (flagged.Get(change.Uid) is { } message) flagged.Replace(message with { Flags = change.Flags, ModSeq = modSeq });
                break;
            }
            case RecentBoundaryMoved recent:
                if (Folder(recent.Folder) is { } seen) seen.RecentBoundary = Math.Max(seen.RecentBoundary, recent.Boundary);
                break;
            case MessagesMoved moved:
            {
                if (Folder(moved.From) is not { } source) break;
                var target = GetOrAdd(moved.To);
                var modSeq = NextModSeq(source);
                target.HighestModSeq = modSeq;
                for (var i = 0; i < moved.FromUids.Count; i++)
                {
                    if (Unindex(source, moved.FromUids[i]) is not { } message) continue;
                    source.LogVanished(moved.FromUids[i], modSeq);
                    Index(target, message with { Uid = moved.ToUids[i], ModSeq = modSeq });
                }
                break;
            }
            case MessageStructureComputed structure:
                if (Folder(structure.Folder)?.Get(structure.Uid) is { } described)
                    Folder(structure.Folder)!.Replace(described with { Structure = structure.Structure });
                break;
            default:
                throw new ArgumentException($"unknown mailbox event {@event.GetType().Name}", nameof(@event));
        }
    }

    private long NextModSeq(FolderState folder) => folder.HighestModSeq = ++HighestModSeq;

    /// <summary>Messages in all folders: the size of a snapshot.</summary>
    public int MessageCount => _folders.Values.Sum(f => f.Messages.Count);

    public MailboxSnapshot ToSnapshot() => new(_folders.Values
        .Select(f => new FolderSnapshot(f.Name, f.UidValidity, f.UidNext, f.Messages.ToArray())
        {
            RecentBoundary = f.RecentBoundary,
            SpecialUse = f.SpecialUse,
            HighestModSeq = f.HighestModSeq,
            VanishedFloor = f.VanishedFloor,
            Vanished = f.VanishedLog.ToArray(),
        })
        .ToArray())
    {
        Subscriptions = _subscriptions.ToArray(),
        LastUidValidity = LastUidValidity,
        HighestModSeq = HighestModSeq,
    };

    public static MailboxState FromSnapshot(MailboxSnapshot snapshot)
    {
        var state = new MailboxState();
        foreach (var f in snapshot.Folders)
        {
            var folder = state.GetOrAdd(f.Folder);
            folder.UidValidity = f.UidValidity;
            folder.SpecialUse = f.SpecialUse;
            folder.RecentBoundary = f.RecentBoundary;
            // Layouts before MS3 had no mod-sequences: everything starts at 1.
            foreach (var message in f.Messages) state.Index(folder, message.ModSeq > 0 ? message : message with { ModSeq = 1 });
            folder.HighestModSeq = Math.Max(1, f.HighestModSeq);
            folder.VanishedFloor = f.VanishedFloor;
            foreach (var (uid, modSeq) in f.Vanished) folder.LogVanished(uid, modSeq);
            // UIDNEXT may be ahead of the highest stored uid (the newest messages were expunged).
            folder.UidNext = Math.Max(folder.UidNext, f.UidNext);
            state.LastUidValidity = Math.Max(state.LastUidValidity, f.UidValidity);
        }
        foreach (var name in snapshot.Subscriptions) state._subscriptions.Add(name);
        state.LastUidValidity = Math.Max(state.LastUidValidity, snapshot.LastUidValidity);
        state.HighestModSeq = Math.Max(Math.Max(1, snapshot.HighestModSeq), state._folders.Values.Max(f => f.HighestModSeq));
        return state;
    }

    private void Index(FolderState folder, MailboxMessage message)
    {
        folder.Add(message);
        _byContentRef[message.ContentRef] = (folder, message.Uid);
        if (!_byQueueId.TryGetValue(message.QueueId, out var all)) _byQueueId[message.QueueId] = all = new List<(FolderState, long)>(1);
        all.Add((folder, message.Uid));
    }

    private MailboxMessage? Unindex(FolderState folder, long uid)
    {
        var message = folder.Remove(uid);
        if (message is null) return null;
        _byContentRef.Remove(message.ContentRef);
        if (_byQueueId.TryGetValue(message.QueueId, out var all))
        {
            all.Remove((folder, uid));
            if (all.Count == 0) _byQueueId.Remove(message.QueueId);
        }
        return message;
    }

    private FolderState GetOrAdd(string name)
    {
        name = MailboxFolders.Normalize(name);
        if (!_folders.TryGetValue(name, out var folder)) _folders[name] = folder = new FolderState(name);
        return folder;
    }
}
