using ActorMTA.Server.Cluster;
using Akka.Actor;

namespace ActorMTA.Server.Mailboxes;

// The IMAP commands of the Mailbox entity: folders, flags, \Recent, APPEND, COPY/MOVE, EXPUNGE, pushes.
public sealed partial class Mailbox
{
    private bool DecideImap(object command, IActorRef sender, CommandBatch batch)
    {
        switch (command)
        {
            case CreateFolder c: Create(c, sender, batch); return true;
            case DeleteFolder c: Delete(c, sender, batch); return true;
            case RenameFolder c: Rename(c, sender, batch); return true;
            case SubscribeFolder c: Subscribe(c.Address, c.Folder, true, sender, batch); return true;
            case UnsubscribeFolder c: Subscribe(c.Address, c.Folder, false, sender, batch); return true;
            case ListFolders c:
                batch.Reply(sender, new FolderList(c.Address, _state.Folders.OrderBy(f => f.Name == MailboxFolders.Inbox ? 0 : 1).ThenBy(f => f.Name, StringComparer.Ordinal)
                    .Select(Info).ToArray(), _state.Subscriptions.ToArray()));
                return true;
            case GetFolderStatus c:
                batch.Reply(sender, _state.Folder(c.Folder) is { } status ? Info(status) : Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder));
                return true;
            case EnsureSpecialFolders c: EnsureSpecial(c, sender, batch); return true;
            case SelectFolder c: Select(c, sender, batch); return true;
            case UnselectFolder c:
                if (_sessions.Remove(c.Session)) Context.Unwatch(c.Session);
                DropViewer(c.Session, batch);
                batch.Reply(sender, new FolderUnselected(c.Address));
                return true;
            case ReleaseViewedContent c:
                foreach (var reference in c.ContentRefs) DropViewer(c.Session, reference, batch);
                return true;
            case StoreFlags c: Store(c, sender, batch); return true;
            case GetVanished c:
                batch.Reply(sender, _state.Folder(c.Folder) is { } gone ? new VanishedUids(c.Address, gone.VanishedSince(c.Since), gone.UidNext) : Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder));
                return true;
            case AppendMessage c: Append(c, sender, batch); return true;
            case AppendMessages c: AppendAll(c, sender, batch); return true;
            case GetQuota c:
                batch.Reply(sender, c.Folder is { } quotaFolder && _state.Folder(quotaFolder) is null
                    ? Refused(c.Address, quotaFolder, MailboxRefusal.NoSuchFolder)
                    : new QuotaStatus(c.Address, UsedBytes, _quotaLimit));
                return true;
            case CopyMessages c: Copy(c, sender, batch); return true;
            case MoveMessages c: Move(c, sender, batch); return true;
            case ExpungeDeleted c: ExpungeDeletedMessages(c, sender, batch); return true;
            case StoreMessageStructure c:
                // A cache: below the minimum free space it is computed again next time instead of stored.
                if (!Space.IsLow && _state.Folder(c.Folder) is { } described && described.Get(c.Uid) is not null)
                    batch.Emit(new MessageStructureComputed(described.Name, c.Uid, c.Structure));
                return true;
            default:
                return false;
        }
    }

    private static MailboxCommandRefused Refused(string address, string folder, MailboxRefusal reason) => new(address, folder, reason);

    private FolderInfo Info(FolderState f)
    {
        var (deleted, deletedBytes) = f.DeletedTotals();
        return new(f.Name, _state.IsSubscribed(f.Name), f.SpecialUse, _state.Folders.Any(other => MailboxFolders.IsBelow(other.Name, f.Name)),
            f.Count, f.RecentCount, f.UnseenCount, f.Bytes, f.UidValidity, f.UidNext)
        {
            HighestModSeq = f.HighestModSeq,
            Deleted = deleted,
            DeletedBytes = deletedBytes,
        };
    }

    private void Create(CreateFolder c, IActorRef sender, CommandBatch batch)
    {
        // RFC 3501 §6.3.3: a trailing delimiter only says the client means to create names below it.
        var name = MailboxFolders.Normalize(c.Folder.TrimEnd(MailboxFolders.Delimiter));
        if (!MailboxFolders.IsValidName(name)) { batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.InvalidName)); return; }
        if (_state.Folder(name) is not null) { batch.Reply(sender, Refused(c.Address, name, MailboxRefusal.AlreadyExists)); return; }
        CreateWithAncestors(name, batch);
        batch.Reply(sender, new FolderCommandDone(c.Address, name));
    }

    private void CreateWithAncestors(string name, CommandBatch batch)
    {
        foreach (var ancestor in MailboxFolders.Ancestors(name))
            if (_state.Folder(ancestor) is null) batch.Emit(new FolderCreated(ancestor, NewUidValidity()));
        batch.Emit(new FolderCreated(name, NewUidValidity()));
    }

    private void Delete(DeleteFolder c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null) { batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder)); return; }
        if (folder == _state.Inbox) { batch.Reply(sender, Refused(c.Address, folder.Name, MailboxRefusal.CannotDeleteInbox)); return; }
        var references = folder.Messages.Select(m => m.ContentRef).ToList();
        var uids = folder.Messages.Select(m => m.Uid).ToArray();
        batch.Emit(new FolderDeleted(folder.Name));
        NotifyExpunged(c.Address, folder, uids, except: null, batch);
        _sessions.RemoveAll(folder);
        batch.Reply(sender, new FolderCommandDone(c.Address, folder.Name));
        // No retention: a deleted folder's sessions lose their selection with it.
        if (references.Count > 0) batch.After(() => Release(references));
    }

    private void Rename(RenameFolder c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.From);
        var to = MailboxFolders.Normalize(c.To.TrimEnd(MailboxFolders.Delimiter));
        if (folder is null) { batch.Reply(sender, Refused(c.Address, c.From, MailboxRefusal.NoSuchFolder)); return; }
        if (!MailboxFolders.IsValidName(to) || MailboxFolders.IsBelow(to, folder.Name))
        {
            batch.Reply(sender, Refused(c.Address, c.To, MailboxRefusal.InvalidName));
            return;
        }
        if (_state.Folder(to) is not null) { batch.Reply(sender, Refused(c.Address, to, MailboxRefusal.AlreadyExists)); return; }

        foreach (var ancestor in MailboxFolders.Ancestors(to))
            if (_state.Folder(ancestor) is null) batch.Emit(new FolderCreated(ancestor, NewUidValidity()));
        if (folder == _state.Inbox)
        {
            // RFC 3501 §6.3.5: INBOX stays (empty, same UIDVALIDITY and UIDNEXT); its messages go to a new folder.
            batch.Emit(new FolderCreated(to, NewUidValidity()));
            var fromUids = folder.Messages.Select(m => m.Uid).ToArray();
            if (fromUids.Length > 0)
            {
                var target = _state.Folder(to)!;
                var toUids = Enumerable.Range(0, fromUids.Length).Select(i => target.UidNext + i).ToArray();
                batch.Emit(new MessagesMoved(MailboxFolders.Inbox, to, fromUids, toUids));
                NotifyExpunged(c.Address, folder, fromUids, except: null, batch);
            }
        }
        else
        {
            batch.Emit(new FolderRenamed(folder.Name, to));
        }
        batch.Reply(sender, new FolderCommandDone(c.Address, to));
    }

    private void Subscribe(string address, string name, bool subscribe, IActorRef sender, CommandBatch batch)
    {
        name = MailboxFolders.Normalize(name);
        if (_state.IsSubscribed(name) != subscribe) batch.Emit(new FolderSubscriptionChanged(name, subscribe));
        batch.Reply(sender, new FolderCommandDone(address, name));
    }

    private void EnsureSpecial(EnsureSpecialFolders c, IActorRef sender, CommandBatch batch)
    {
        if (Space.IsLow)
        {
            // Login shows the mailbox as it is; the folders are created at a later login, when there is room.
            batch.Reply(sender, new SpecialFoldersEnsured(c.Address, []));
            return;
        }
        EnsureUidValidity(_state.Inbox, batch);
        var created = new List<string>();
        foreach (var (name, attribute) in SpecialUse.Defaults)
        {
            if (_state.Folder(name) is not null || _state.Folders.Any(f => f.SpecialUse == attribute)) continue;
            batch.Emit(new FolderCreated(name, NewUidValidity()) { SpecialUse = attribute });
            // Clients that show subscribed folders only (Thunderbird's default) must see them.
            if (!_state.IsSubscribed(name)) batch.Emit(new FolderSubscriptionChanged(name, true));
            created.Add(name);
        }
        batch.Reply(sender, new SpecialFoldersEnsured(c.Address, created));
    }

    private void Select(SelectFolder c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null) { batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder)); return; }
        EnsureUidValidity(folder, batch);
        var recentFrom = folder.RecentBoundary;
        // RFC 3501 §2.3.2: the first read-write session after arrival is the one that sees them as \Recent.
        // Bookkeeping only: on a full disk the messages stay \Recent a little longer rather than SELECT failing.
        if (!c.ReadOnly && folder.UidNext > folder.RecentBoundary && !Space.IsLow) batch.Emit(new RecentBoundaryMoved(folder.Name, folder.UidNext));
        // Whatever the session's previous view still held is gone with it.
        DropViewer(c.Session, batch);
        if (_sessions.Register(c.Session, folder, c.ReadOnly)) Context.Watch(c.Session);

        var view = folder.View;
        var reply = new FolderSelected(c.Address, folder.Name, c.ReadOnly, folder.UidValidity, folder.UidNext, recentFrom, view.Messages,
            view.FirstUnseenIndex < 0 ? null : view.FirstUnseenIndex + 1, [.. MailboxFlags.System, .. view.Keywords], MailboxFlags.Permanent)
        {
            HighestModSeq = folder.HighestModSeq,
            VanishedSince = c.VanishedSince is { } since ? folder.VanishedSince(since) : null,
        };
        // A session on another node gets a large folder in pieces that each fit a remoting frame; one on this node
        // gets it whole (sizing 20,000 messages for the split was a third of the CPU of a local SELECT).
        if (sender.Path.Address.HasLocalScope)
        {
            batch.Reply(sender, reply);
            return;
        }
        var parts = FolderSelectedParts.Split(reply, _selectPartBytes, out var last);
        foreach (var part in parts) batch.Reply(sender, part);
        batch.Reply(sender, last);
    }

    private void Store(StoreFlags c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null) { batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder)); return; }
        var requested = MailboxFlags.Storable(c.Flags).ToList();
        var result = new List<long>();
        var changed = new List<FlagChange>();
        var modified = new List<long>();
        foreach (var uid in c.Uids.Distinct().Order())
        {
            if (folder.Get(uid) is not { } message) continue;
            if (message.ModSeq > c.UnchangedSince)
            {
                modified.Add(uid);
                continue;
            }
            var flags = c.Mode switch
            {
                FlagStoreMode.Add => MailboxMessage.FlagSet(message.Flags.Concat(requested)),
                FlagStoreMode.Remove => MailboxMessage.FlagSet(message.Flags.Where(f => !requested.Contains(f, StringComparer.OrdinalIgnoreCase))),
                _ => MailboxMessage.FlagSet(requested),
            };
            result.Add(uid);
            if (!flags.SetEquals(message.Flags)) changed.Add(new FlagChange(uid, flags));
        }
        if (changed.Count > 0)
        {
            batch.Emit(new MessageFlagsSet(folder.Name, changed));
            // Applied: the changes now carry their new mod-sequence.
            var told = changed.Select(c => FlagChange.Of(folder.Get(c.Uid)!)).ToList();
            foreach (var (session, _) in _sessions.Of(folder, c.Session))
            {
                var push = new FolderChanged(c.Address, folder.Name, [], [], [], told);
                batch.After(() => session.Tell(push));
            }
        }
        batch.Reply(sender, new FlagsStored(c.Address, folder.Name, result.Select(uid => FlagChange.Of(folder.Get(uid)!)).ToList())
        {
            Modified = modified,
            Changed = changed.Select(c => c.Uid).ToList(),
        });
    }

    private void Append(AppendMessage c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null)
        {
            batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder));
            Release([c.ContentRef]);
            return;
        }
        if (WouldExceedQuota(c.Size))
        {
            batch.Reply(sender, Refused(c.Address, folder.Name, MailboxRefusal.OverQuota));
            Release([c.ContentRef]);
            return;
        }
        EnsureUidValidity(folder, batch);
        var uid = folder.UidNext;
        batch.Emit(new MessageAppended(folder.Name, uid, c.QueueId, c.ContentRef, c.Size, c.InternalDate, MailboxMessage.FlagSet(MailboxFlags.Storable(c.Flags))));
        var own = NotifyAppended(c.Address, folder, [folder.Get(uid)!], c.Session, batch);
        batch.Reply(sender, new MessageAppendedToFolder(c.Address, folder.Name, folder.UidValidity, uid) { Own = own });
    }

    private void AppendAll(AppendMessages c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null)
        {
            batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder));
            Release(c.Messages.Select(m => m.ContentRef).ToList());
            return;
        }
        if (WouldExceedQuota(c.Messages.Sum(m => m.Size)))
        {
            batch.Reply(sender, Refused(c.Address, folder.Name, MailboxRefusal.OverQuota));
            Release(c.Messages.Select(m => m.ContentRef).ToList());
            return;
        }
        EnsureUidValidity(folder, batch);
        var added = new List<MailboxMessage>(c.Messages.Count);
        foreach (var m in c.Messages)
        {
            var uid = folder.UidNext;
            batch.Emit(new MessageAppended(folder.Name, uid, m.QueueId, m.ContentRef, m.Size, m.InternalDate, MailboxMessage.FlagSet(MailboxFlags.Storable(m.Flags))));
            added.Add(folder.Get(uid)!);
        }
        var own = NotifyAppended(c.Address, folder, added, c.Session, batch);
        batch.Reply(sender, new MessagesAppendedToFolder(c.Address, folder.Name, folder.UidValidity, added.Select(m => m.Uid).ToList()) { Own = own });
    }

    private (FolderState From, FolderState To, List<MailboxMessage> Messages)? Transfer(string address, string from, IReadOnlyList<long> uids, string to,
        IActorRef sender, CommandBatch batch)
    {
        var source = _state.Folder(from);
        if (source is null) { batch.Reply(sender, Refused(address, from, MailboxRefusal.NoSuchFolder)); return null; }
        var target = _state.Folder(to);
        if (target is null) { batch.Reply(sender, Refused(address, to, MailboxRefusal.NoSuchFolder)); return null; }
        EnsureUidValidity(target, batch);
        return (source, target, uids.Distinct().Order().Select(source.Get).OfType<MailboxMessage>().ToList());
    }

    private void Copy(CopyMessages c, IActorRef sender, CommandBatch batch)
    {
        if (Transfer(c.Address, c.From, c.Uids, c.To, sender, batch) is not var (source, target, messages)) return;
        if (WouldExceedQuota(messages.Sum(m => m.Size)))
        {
            batch.Reply(sender, Refused(c.Address, target.Name, MailboxRefusal.OverQuota));
            return;
        }
        var added = new List<MailboxMessage>(messages.Count);
        foreach (var m in messages)
        {
            // One more reference to the same bytes (a hard link), so either copy can be expunged on its own.
            var reference = _content.AddReference(m.ContentRef);
            var uid = target.UidNext;
            batch.Emit(new MessageAppended(target.Name, uid, m.QueueId, reference, m.Size, m.InternalDate, m.Flags));
            if (m.Structure is not null) batch.Emit(new MessageStructureComputed(target.Name, uid, m.Structure));
            added.Add(target.Get(uid)!);
        }
        var own = NotifyAppended(c.Address, target, added, c.Session, batch);
        batch.Reply(sender, new MessagesCopied(c.Address, source.Name, target.Name, target.UidValidity,
            messages.Select(m => m.Uid).ToArray(), added.Select(m => m.Uid).ToArray(), Moved: false) { Own = own, Junk = JunkTransferOf(source, target) });
    }

    private void Move(MoveMessages c, IActorRef sender, CommandBatch batch)
    {
        if (Transfer(c.Address, c.From, c.Uids, c.To, sender, batch) is not var (source, target, messages)) return;
        var fromUids = messages.Select(m => m.Uid).ToArray();
        var toUids = Enumerable.Range(0, fromUids.Length).Select(i => target.UidNext + i).ToArray();
        AddedToSelected? own = null;
        if (fromUids.Length > 0)
        {
            batch.Emit(new MessagesMoved(source.Name, target.Name, fromUids, toUids));
            NotifyExpunged(c.Address, source, fromUids, c.Session, batch);
            WatchMoved(source, messages.Select(m => m.ContentRef).ToList(), c.Session, batch);
            own = NotifyAppended(c.Address, target, toUids.Select(uid => target.Get(uid)!).ToList(), c.Session, batch);
        }
        batch.Reply(sender, new MessagesCopied(c.Address, source.Name, target.Name, target.UidValidity, fromUids, toUids, Moved: true)
        {
            Own = own, Junk = JunkTransferOf(source, target),
        });
    }

    private static JunkTransfer JunkTransferOf(FolderState source, FolderState target)
    {
        var fromJunk = source.SpecialUse == SpecialUse.Junk;
        var toJunk = target.SpecialUse == SpecialUse.Junk;
        if (toJunk && !fromJunk) return JunkTransfer.IntoJunk;
        // Deleting spam (moving it to Trash) says nothing about it being ham.
        if (fromJunk && !toJunk && target.SpecialUse != SpecialUse.Trash) return JunkTransfer.OutOfJunk;
        return JunkTransfer.None;
    }

    private void ExpungeDeletedMessages(ExpungeDeleted c, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(c.Folder);
        if (folder is null) { batch.Reply(sender, Refused(c.Address, c.Folder, MailboxRefusal.NoSuchFolder)); return; }
        var only = c.Uids?.ToHashSet();
        var removed = folder.Messages.Where(m => m.HasFlag(MailboxFlags.Deleted) && (only is null || only.Contains(m.Uid))).ToList();
        var uids = removed.Select(m => m.Uid).ToArray();
        if (uids.Length > 0)
        {
            batch.Emit(new MessagesRemoved(folder.Name, uids, RemovalReason.Expunged));
            NotifyExpunged(c.Address, folder, uids, c.Session, batch);
            ReleaseExpunged(folder, removed.Select(m => m.ContentRef).ToList(), c.Session, batch);
        }
        batch.Reply(sender, new MessagesExpunged(c.Address, folder.Name, uids, c.CorrelationId));
    }

    /// <summary>
    /// Pushes new messages to the sessions that have <paramref name="folder"/> selected, except <paramref name="caller"/>,
    /// whose part is returned for its reply. RFC 3501 §2.3.2: a new message is \Recent for exactly one session, so the
    /// oldest read-write selection takes them and the boundary moves past them.
    /// </summary>
    private AddedToSelected? NotifyAppended(string address, FolderState folder, IReadOnlyList<MailboxMessage> added, IActorRef? caller, CommandBatch batch)
    {
        if (added.Count == 0) return null;
        var sessions = _sessions.Of(folder, except: null);
        if (sessions.Count == 0) return null;
        var taker = sessions.FirstOrDefault(s => !s.ReadOnly).Session;
        long[] recent = [];
        if (taker is not null)
        {
            recent = added.Where(m => m.Uid >= folder.RecentBoundary).Select(m => m.Uid).ToArray();
            if (recent.Length > 0) batch.Emit(new RecentBoundaryMoved(folder.Name, folder.UidNext));
        }
        AddedToSelected? own = null;
        foreach (var (session, _) in sessions)
        {
            var mine = session.Equals(taker) ? recent : [];
            if (session.Equals(caller))
            {
                own = new AddedToSelected(added, mine);
                continue;
            }
            var push = new FolderChanged(address, folder.Name, added, mine, [], []);
            batch.After(() => session.Tell(push));
        }
        return own;
    }

    private void NotifyExpunged(string address, FolderState folder, IReadOnlyList<long> uids, IActorRef? except, CommandBatch batch)
    {
        if (uids.Count == 0) return;
        foreach (var (session, _) in _sessions.Of(folder, except))
        {
            var push = new FolderChanged(address, folder.Name, [], [], uids, []);
            batch.After(() => session.Tell(push));
        }
    }
}
