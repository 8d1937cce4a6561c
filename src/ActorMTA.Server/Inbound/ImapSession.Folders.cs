using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using Akka.Actor;

namespace ActorMTA.Server.Inbound;

/// <summary>Folder commands, the selected folder's sequence map and the untagged updates pushed into it.</summary>
public sealed partial class ImapSession
{
    /// <summary>The selected folder as this session sees it: index + 1 is the sequence number.</summary>
    private sealed class SelectedFolder(string name, bool readOnly, long uidValidity, List<MailboxMessage> messages, HashSet<long> recent)
    {
        public string Name { get; } = name;
        public bool ReadOnly { get; } = readOnly;
        public long UidValidity { get; } = uidValidity;
        public List<MailboxMessage> Messages { get; } = messages;
        public HashSet<long> Recent { get; } = recent;

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
    }

    private SelectedFolder? _selected;
    private readonly List<FolderChanged> _pendingChanges = [];
    private string? _idleTag;

    private bool ExecuteMailboxCommand(ImapCommand command)
    {
        var user = _user!;
        switch (command)
        {
            case ImapCommand.Select select:
                Select(select.Mailbox, readOnly: false);
                return true;
            case ImapCommand.Examine examine:
                Select(examine.Mailbox, readOnly: true);
                return true;
            case ImapCommand.Close:
                // CLOSE expunges silently (RFC 3501 section 6.4.2) unless the folder is read-only.
                var closing = _selected!;
                Unselect();
                if (closing.ReadOnly) Complete(ImapStatus.Ok, null, "CLOSE completed");
                else AskMailbox(new ExpungeDeleted(user, closing.Name, null, Self), _ => Complete(ImapStatus.Ok, null, "CLOSE completed"));
                return true;
            case ImapCommand.Unselect:
                Unselect();
                Complete(ImapStatus.Ok, null, "UNSELECT completed");
                return true;
            case ImapCommand.Create create:
                AskFolderCommand(new CreateFolder(user, Folder(create.Mailbox)));
                return true;
            case ImapCommand.Delete delete:
                AskFolderCommand(new DeleteFolder(user, Folder(delete.Mailbox)));
                return true;
            case ImapCommand.Rename rename:
                AskFolderCommand(new RenameFolder(user, Folder(rename.Mailbox), Folder(rename.NewName)));
                return true;
            case ImapCommand.Subscribe subscribe:
                AskFolderCommand(new SubscribeFolder(user, Folder(subscribe.Mailbox)));
                return true;
            case ImapCommand.Unsubscribe unsubscribe:
                AskFolderCommand(new UnsubscribeFolder(user, Folder(unsubscribe.Mailbox)));
                return true;
            case ImapCommand.List list:
                List(list.Reference, list.Pattern, lsub: false);
                return true;
            case ImapCommand.Lsub lsub:
                List(lsub.Reference, lsub.Pattern, lsub: true);
                return true;
            case ImapCommand.Status status:
                AskMailbox(new GetFolderStatus(user, Folder(status.Mailbox)), reply =>
                {
                    if (reply is not FolderInfo info)
                    {
                        RefusedReply(reply);
                        return;
                    }
                    var items = status.Items.Select(item => new KeyValuePair<ImapStatusItem, ulong>(item, item switch
                    {
                        ImapStatusItem.Messages => (ulong)info.Messages,
                        ImapStatusItem.Recent => (ulong)info.Recent,
                        ImapStatusItem.UidNext => (ulong)info.UidNext,
                        ImapStatusItem.UidValidity => (ulong)info.UidValidity,
                        _ => (ulong)info.Unseen,
                    })).ToList();
                    Send(new ImapResponse.MailboxStatus(status.Mailbox, items));
                    Complete(ImapStatus.Ok, null, "STATUS completed");
                });
                return true;
            default:
                return false;
        }
    }

    private static string Folder(string wireName) => MailboxFolders.Normalize(wireName);

    private void Select(string mailbox, bool readOnly)
    {
        // A failed SELECT leaves no mailbox selected (RFC 3501 section 6.3.1).
        if (_selected is not null) Unselect();
        AskMailbox(new SelectFolder(_user!, Folder(mailbox), Self, readOnly), reply =>
        {
            if (reply is not FolderSelected selected)
            {
                RefusedReply(reply);
                return;
            }
            var messages = selected.Messages.ToList();
            // Sorted by uid: the \Recent ones are a tail, found by binary search instead of a scan of the folder.
            var firstRecent = FirstAtOrAbove(messages, selected.RecentFrom);
            var recent = new HashSet<long>(messages.Count - firstRecent);
            for (var i = firstRecent; i < messages.Count; i++) recent.Add(messages[i].Uid);
            _selected = new SelectedFolder(selected.Folder, selected.ReadOnly, selected.UidValidity, messages, recent);
            _pendingChanges.Clear();
            _state = ImapState.Selected;
            Send(new ImapResponse.Flags(selected.Flags));
            Send(new ImapResponse.Exists((uint)selected.Exists));
            Send(new ImapResponse.Recent((uint)recent.Count));
            if (selected.FirstUnseen is { } unseen)
                Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.Unseen((uint)unseen), "First unseen"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.UidValidity((uint)selected.UidValidity), "UIDs valid"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.UidNext((uint)selected.UidNext), "Predicted next UID"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok,
                ImapResponseCode.PermanentFlags(selected.ReadOnly ? [] : selected.PermanentFlags), "Limited"));
            var name = selected.ReadOnly ? "EXAMINE" : "SELECT";
            Complete(ImapStatus.Ok, selected.ReadOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite, name + " completed");
        });
    }

    private static int FirstAtOrAbove(List<MailboxMessage> byUid, long uid)
    {
        int lo = 0, hi = byUid.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (byUid[mid].Uid < uid) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private void Unselect()
    {
        _selected = null;
        _savedResult = [];
        _pendingChanges.Clear();
        _state = ImapState.Authenticated;
        // No reply awaited: the next mailbox command queues behind it in the entity anyway.
        Services.MailboxRegion.Tell(new UnselectFolder(_user!, Self), ActorRefs.NoSender);
    }

    private void AskFolderCommand(IMailboxCommand command) =>
        AskMailbox(command, reply =>
        {
            if (reply is FolderCommandDone) Complete(ImapStatus.Ok, null, "Completed");
            else RefusedReply(reply);
        });

    private void RefusedReply(object reply)
    {
        if (reply is JournalWriteFailed)
        {
            Complete(ImapStatus.No, ImapResponseCode.Unavailable, "Mailbox could not be updated, try again later");
            return;
        }
        if (reply is MailboxCommandRefused refused)
        {
            var (code, text) = refused.Reason switch
            {
                MailboxRefusal.NoSuchFolder => (_running is ImapCommand.Append or ImapCommand.Copy or ImapCommand.Move
                    ? ImapResponseCode.TryCreate : ImapResponseCode.NonExistent, "No such mailbox"),
                MailboxRefusal.AlreadyExists => (ImapResponseCode.AlreadyExists, "Mailbox already exists"),
                MailboxRefusal.CannotDeleteInbox => (ImapResponseCode.Cannot, "INBOX cannot be deleted"),
                _ => (ImapResponseCode.Cannot, "Invalid mailbox name"),
            };
            Complete(ImapStatus.No, code, text);
            return;
        }
        Complete(ImapStatus.No, ImapResponseCode.ServerBug, "Unexpected mailbox answer");
    }

    private void List(string reference, string pattern, bool lsub)
    {
        if (!lsub && pattern.Length == 0)
        {
            // LIST "" "": the hierarchy delimiter and root (RFC 3501 section 6.3.8).
            Send(new ImapResponse.List(["\\Noselect"], MailboxFolders.Delimiter, ""));
            Complete(ImapStatus.Ok, null, "LIST completed");
            return;
        }
        var combined = MailboxPattern.Combine(reference, pattern, MailboxFolders.Delimiter);
        AskMailbox(new ListFolders(_user!), reply =>
        {
            if (reply is not FolderList list)
            {
                RefusedReply(reply);
                return;
            }
            if (lsub)
            {
                foreach (var name in list.Subscriptions.Where(n => MailboxPattern.Matches(combined, n, MailboxFolders.Delimiter)))
                    Send(new ImapResponse.List([], MailboxFolders.Delimiter, name, Lsub: true));
            }
            else
            {
                foreach (var folder in list.Folders.Where(f => MailboxPattern.Matches(combined, f.Name, MailboxFolders.Delimiter)))
                {
                    var attributes = new List<string> { folder.HasChildren ? "\\HasChildren" : "\\HasNoChildren" };
                    if (folder.Subscribed) attributes.Add("\\Subscribed");
                    if (folder.SpecialUse is { } use) attributes.Add(use);
                    Send(new ImapResponse.List(attributes, MailboxFolders.Delimiter, folder.Name));
                }
            }
            Complete(ImapStatus.Ok, null, (lsub ? "LSUB" : "LIST") + " completed");
        });
    }

    // ---- untagged updates ----

    /// <summary>The client waits for nothing of ours: updates may be sent at once.</summary>
    private bool ClientIdle => _running is null && _lineMode == LineMode.Command && !_reader.IsInsideCommand;

    private void OnFolderChanged(FolderChanged change)
    {
        if (_selected is null || !string.Equals(change.Folder, _selected.Name, StringComparison.Ordinal)) return;
        if (_idleTag is not null || ClientIdle)
        {
            var bytes = FormatChange(change);
            if (bytes.Length > 0) Connection.SendUnsolicited(bytes);
            return;
        }
        _pendingChanges.Add(change);
    }

    /// <summary>
    /// Sends queued updates before a command's tagged status. EXPUNGE may not be sent while the client
    /// cannot yet know about it (RFC 3501 section 7.4.1: not during FETCH, STORE, SEARCH by sequence number).
    /// </summary>
    private void FlushUpdates(ImapCommand command)
    {
        if (_pendingChanges.Count == 0 || _selected is null) return;
        var sequenceBound = command is ImapCommand.Fetch { ByUid: false } or ImapCommand.Store { ByUid: false } or ImapCommand.Search { ByUid: false } or ImapCommand.Sort { ByUid: false } or ImapCommand.Thread { ByUid: false };
        if (sequenceBound && _pendingChanges.Any(c => c.ExpungedUids.Count > 0)) return;
        foreach (var change in _pendingChanges)
        {
            var bytes = FormatChange(change);
            if (bytes.Length > 0) Connection.Post(new SendBytes(bytes));
        }
        _pendingChanges.Clear();
    }

    /// <summary>Applies a change to the sequence map and returns its untagged responses.</summary>
    private byte[] FormatChange(FolderChanged change)
    {
        var selected = _selected!;
        var output = new MemoryStream();
        foreach (var uid in change.ExpungedUids)
        {
            var index = selected.IndexOf(uid);
            if (index < 0) continue;
            selected.Messages.RemoveAt(index);
            selected.Recent.Remove(uid);
            output.Write(ImapResponseFormatter.Format(new ImapResponse.Expunge((uint)index + 1)));
        }
        var added = false;
        foreach (var message in change.Appended)
        {
            if (selected.Messages.Count > 0 && message.Uid <= selected.Messages[^1].Uid) continue;
            selected.Messages.Add(message);
            added = true;
        }
        foreach (var uid in change.RecentUids) selected.Recent.Add(uid);
        if (added)
        {
            output.Write(ImapResponseFormatter.Format(new ImapResponse.Exists((uint)selected.Messages.Count)));
            output.Write(ImapResponseFormatter.Format(new ImapResponse.Recent((uint)selected.Recent.Count)));
        }
        foreach (var flags in change.FlagChanges)
        {
            var index = selected.IndexOf(flags.Uid);
            if (index < 0) continue;
            selected.Messages[index] = selected.Messages[index] with { Flags = flags.Flags };
            output.Write(ImapResponseFormatter.Format(new ImapResponse.Fetch((uint)index + 1,
                [new ImapFetchItem.Flags(FlagsOf(selected.Messages[index])), new ImapFetchItem.Uid((uint)flags.Uid)])));
        }
        return output.ToArray();
    }

    private IReadOnlyList<string> FlagsOf(MailboxMessage message)
    {
        var flags = message.Flags.ToList();
        if (_selected?.Recent.Contains(message.Uid) == true) flags.Add(MailboxFlags.Recent);
        return flags;
    }

    // ---- IDLE (RFC 2177) ----

    private void StartIdle()
    {
        _idleTag = _running!.Tag;
        FlushUpdates(_running);
        Send(new ImapResponse.Continuation("idling"));
        _lineMode = LineMode.Idle;
        ReadCommand(_limits.MaxLineLength, _limits.IdleTimeout);
    }

    private void EndIdle(byte[] line)
    {
        _idleTag = null;
        _lineMode = LineMode.Command;
        if (ImapContinuationLine.IsIdleDone(line)) Complete(ImapStatus.Ok, null, "IDLE terminated");
        else Complete(ImapStatus.Bad, null, "Expected DONE");
    }
}
