namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// Everything one mailbox holds, built from its events. Owned by the Mailbox actor (not thread-safe);
/// what leaves the actor are immutable <see cref="MailboxMessage"/>s and snapshots.
/// </summary>
public sealed class MailboxState
{
    private readonly Dictionary<string, FolderState> _folders = new();
    // Content reference -> where it is stored: makes a re-sent delivery idempotent and finds refs to release.
    private readonly Dictionary<string, (string Folder, long Uid)> _byContentRef = new();
    // Message id -> where it is stored: a delivery is idempotent per message id (bounces are re-sent after a restart).
    private readonly Dictionary<string, (string Folder, long Uid)> _byMessageId = new(StringComparer.Ordinal);

    public MailboxState() => _folders[MailboxFolders.Inbox] = new FolderState(MailboxFolders.Inbox);

    public FolderState Inbox => _folders[MailboxFolders.Inbox];

    public IEnumerable<FolderState> Folders => _folders.Values;

    public FolderState? Folder(string name) => _folders.GetValueOrDefault(MailboxFolders.Normalize(name));

    public MailboxMessage? FindByContentRef(string contentRef) =>
        _byContentRef.TryGetValue(contentRef, out var at) ? _folders[at.Folder].Get(at.Uid) : null;

    public MailboxMessage? FindByMessageId(string messageId) =>
        _byMessageId.TryGetValue(messageId, out var at) ? _folders[at.Folder].Get(at.Uid) : null;

    public void Apply(IMailboxEvent @event)
    {
        switch (@event)
        {
            case FolderCreated created:
                GetOrAdd(created.Folder).UidValidity = created.UidValidity;
                break;
            case MessageAppended appended:
                var folder = GetOrAdd(appended.Folder);
                folder.Add(new MailboxMessage(appended.Uid, appended.MessageId, appended.ContentRef, appended.Size, appended.InternalDate, appended.Flags));
                _byContentRef[appended.ContentRef] = (folder.Name, appended.Uid);
                _byMessageId[appended.MessageId] = (folder.Name, appended.Uid);
                break;
            case MessagesRemoved removed:
                var from = Folder(removed.Folder);
                if (from is null) break;
                foreach (var uid in removed.Uids)
                {
                    var message = from.Remove(uid);
                    if (message is null) continue;
                    _byContentRef.Remove(message.ContentRef);
                    if (_byMessageId.TryGetValue(message.MessageId, out var at) && at == (from.Name, uid)) _byMessageId.Remove(message.MessageId);
                }
                break;
            default:
                throw new ArgumentException($"unknown mailbox event {@event.GetType().Name}", nameof(@event));
        }
    }

    public MailboxSnapshot ToSnapshot() => new(_folders.Values
        .Select(f => new FolderSnapshot(f.Name, f.UidValidity, f.UidNext, f.Messages.ToArray()))
        .ToArray());

    public static MailboxState FromSnapshot(MailboxSnapshot snapshot)
    {
        var state = new MailboxState();
        foreach (var f in snapshot.Folders)
        {
            var folder = state.GetOrAdd(f.Folder);
            folder.UidValidity = f.UidValidity;
            foreach (var message in f.Messages)
            {
                folder.Add(message);
                state._byContentRef[message.ContentRef] = (folder.Name, message.Uid);
                state._byMessageId[message.MessageId] = (folder.Name, message.Uid);
            }
            // UIDNEXT may be ahead of the highest stored uid (the newest messages were expunged).
            folder.UidNext = Math.Max(folder.UidNext, f.UidNext);
        }
        return state;
    }

    private FolderState GetOrAdd(string name)
    {
        name = MailboxFolders.Normalize(name);
        if (!_folders.TryGetValue(name, out var folder)) _folders[name] = folder = new FolderState(name);
        return folder;
    }
}
