using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Imap;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using Akka.Actor;

namespace ActorMTA.Server.Inbound;

/// <summary>Folder commands, the selected folder's sequence map and the untagged updates pushed into it.</summary>
public sealed partial class ImapSession
{
    private SelectedFolderView? _selected;
    private string? _idleTag;

    private bool ExecuteMailboxCommand(ImapCommand command)
    {
        var user = _user!;
        switch (command)
        {
            case ImapCommand.Select select:
                Select(select.Mailbox, readOnly: false, select.Parameters);
                return true;
            case ImapCommand.Examine examine:
                Select(examine.Mailbox, readOnly: true, examine.Parameters);
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
                List(list);
                return true;
            case ImapCommand.Lsub lsub:
                Lsub(lsub.Reference, lsub.Pattern);
                return true;
            case ImapCommand.Status status:
                AskMailbox(new GetFolderStatus(user, Folder(status.Mailbox)), reply =>
                {
                    if (reply is not FolderInfo info)
                    {
                        RefusedReply(reply);
                        return;
                    }
                    if (status.Items.Contains(ImapStatusItem.HighestModSeq)) EnableCondStore();
                    Send(new ImapResponse.MailboxStatus(status.Mailbox, StatusValues(info, status.Items)));
                    Complete(ImapStatus.Ok, null, "STATUS completed");
                });
                return true;
            case ImapCommand.GetQuotaRoot getQuotaRoot:
                // RFC 9208 section 4.3: a mailbox that does not exist gets NO [NONEXISTENT], not a root.
                AskQuota(Folder(getQuotaRoot.Mailbox), quota =>
                {
                    // RFC 9208: every folder shares the mailbox's one root, "".
                    Send(new ImapResponse.QuotaRoot(getQuotaRoot.Mailbox, quota.LimitBytes is null ? [] : [""]));
                    if (quota.LimitBytes is not null) Send(QuotaResponse(quota));
                    Complete(ImapStatus.Ok, null, "GETQUOTAROOT completed");
                });
                return true;
            case ImapCommand.GetQuota getQuota:
                AskQuota(null, quota =>
                {
                    if (getQuota.Root.Length != 0 || quota.LimitBytes is null)
                    {
                        Complete(ImapStatus.No, ImapResponseCode.NonExistent, "No such quota root");
                        return;
                    }
                    Send(QuotaResponse(quota));
                    Complete(ImapStatus.Ok, null, "GETQUOTA completed");
                });
                return true;
            case ImapCommand.SetQuota:
                Complete(ImapStatus.No, ImapResponseCode.NoPerm, "Quotas are set by the administrator");
                return true;
            default:
                return false;
        }
    }

    private void AskQuota(string? folder, Action<QuotaStatus> then) =>
        AskMailbox(new GetQuota(_user!, folder), reply =>
        {
            if (reply is QuotaStatus quota) then(quota);
            else RefusedReply(reply);
        });

    /// <summary>STORAGE in units of 1024 octets, usage rounded up (RFC 9208 section 5.1).</summary>
    private static ImapResponse.Quota QuotaResponse(QuotaStatus quota) =>
        new("", [("STORAGE", KiB(quota.UsedBytes), quota.LimitBytes!.Value / 1024)]);

    /// <summary>Octets as RFC 9208 counts storage (STORAGE usage, DELETED-STORAGE): units of 1024, rounded up.</summary>
    private static long KiB(long bytes) => (bytes + 1023) / 1024;

    /// <summary>
    /// The stored name of a mailbox name from the wire. Names are stored as legacy clients send them (modified UTF-7),
    /// so a UTF8=ACCEPT client's UTF-8 name is encoded first: both kinds of client see the same folders.
    /// </summary>
    private string Folder(string wireName) => MailboxFolders.Normalize(_utf8Accept ? ModifiedUtf7.Encode(wireName) : wireName);

    /// <summary>A stored name as this client reads it: UTF-8 once it enabled UTF8=ACCEPT (RFC 6855), else as stored.</summary>
    private string WireName(string stored) => _utf8Accept && ModifiedUtf7.TryDecode(stored, out var decoded) ? decoded : stored;

    private void Select(string mailbox, bool readOnly, SelectParameters parameters)
    {
        if (parameters.Qresync is not null && !_qresync)
        {
            // RFC 7162 section 3.2.5: QRESYNC must be enabled first.
            Complete(ImapStatus.Bad, null, "QRESYNC is not enabled");
            return;
        }
        if (parameters.CondStore) EnableCondStore();
        // A failed SELECT leaves no mailbox selected (RFC 3501 section 6.3.1).
        if (_selected is not null)
        {
            Unselect();
            // RFC 7162 section 3.2.11: responses after this belong to the newly selected mailbox.
            if (_qresync) Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.Closed, "Previous mailbox closed"));
        }
        var qresync = parameters.Qresync;
        AskMailbox(new SelectFolder(_user!, Folder(mailbox), Self, readOnly) { VanishedSince = qresync?.ModSeq }, reply =>
        {
            if (reply is not FolderSelected selected)
            {
                RefusedReply(reply);
                return;
            }
            _selected = new SelectedFolderView(selected.Folder, selected.ReadOnly, selected.UidValidity, selected.Messages, selected.RecentFrom, selected.Flags)
            {
                ReportModSeq = _condStore,
                ReportVanished = _qresync,
            };
            _state = ImapState.Selected;
            Send(new ImapResponse.Flags(_selected.Flags));
            Send(new ImapResponse.Exists((uint)selected.Exists));
            Send(new ImapResponse.Recent((uint)_selected.Recent.Count));
            if (selected.FirstUnseen is { } unseen)
                Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.Unseen((uint)unseen), "First unseen"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.UidValidity((uint)selected.UidValidity), "UIDs valid"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.UidNext((uint)selected.UidNext), "Predicted next UID"));
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok,
                ImapResponseCode.PermanentFlags(_selected.PermanentFlags), "Limited"));
            // Mod-sequences are kept for every folder, so HIGHESTMODSEQ goes with every SELECT (RFC 7162 section 3.1.2.1).
            Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.HighestModSeq(selected.HighestModSeq), "Highest"));
            if (qresync is not null && qresync.UidValidity == selected.UidValidity) Resynchronize(qresync, selected);
            var name = selected.ReadOnly ? "EXAMINE" : "SELECT";
            Complete(ImapStatus.Ok, selected.ReadOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite, name + " completed");
        });
    }

    /// <summary>
    /// SELECT ... QRESYNC (RFC 7162 section 3.2.5.1): what vanished since the client's mod-sequence (among the uids it
    /// knows), then the flags of every message changed since then.
    /// </summary>
    private void Resynchronize(QresyncParameters qresync, FolderSelected selected)
    {
        var view = _selected!;
        var known = qresync.KnownUids;
        bool Known(long uid) => known is null || known.Contains((uint)uid, uint.MaxValue);
        // When the log does not reach back far enough, every known uid below UIDNEXT that is not here counts as
        // vanished: the client ignores uids it does not have.
        IEnumerable<long> vanished = selected.VanishedSince ?? MissingUids(known, selected.UidNext, view);
        var told = vanished.Where(uid => Known(uid) && view.IndexOf(uid) < 0).Select(uid => (uint)uid).Order().ToList();
        if (told.Count > 0) Send(new ImapResponse.Vanished(true, SequenceSet.FromNumbers(told)));
        for (var i = 0; i < view.Messages.Count; i++)
            if (view.Messages[i].ModSeq > qresync.ModSeq) Send(view.FlagsResponse(i));
    }

    /// <summary>Uids below <paramref name="uidNext"/> (within <paramref name="known"/> when given) that are not in the view.</summary>
    private static IEnumerable<long> MissingUids(SequenceSet? known, long uidNext, SelectedFolderView view)
    {
        var largest = (uint)Math.Max(0, uidNext - 1);
        if (largest == 0) yield break;
        IReadOnlyList<(uint First, uint Last)> ranges = known is null ? [(1u, largest)] : known.Resolve(largest);
        foreach (var (first, last) in ranges)
            for (long uid = first; uid <= Math.Min(last, largest); uid++)
                if (view.IndexOf(uid) < 0) yield return uid;
    }

    private void Unselect()
    {
        _selected = null;
        _savedResult = [];
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
                MailboxRefusal.OverQuota => (ImapResponseCode.OverQuota, "Quota exceeded"),
                _ => (ImapResponseCode.Cannot, "Invalid mailbox name"),
            };
            Complete(ImapStatus.No, code, text);
            return;
        }
        Complete(ImapStatus.No, ImapResponseCode.ServerBug, "Unexpected mailbox answer");
    }

    // ---- untagged updates ----

    /// <summary>
    /// Another session's change. It is held, and told only during IDLE or just before a tagged reply: never when no
    /// command is in progress (a pipelined command may already be on its way, RFC 3501 section 7.4.1), never after the
    /// tagged reply that should have carried it.
    /// </summary>
    private void OnFolderChanged(FolderChanged change)
    {
        if (_selected is null || !string.Equals(change.Folder, _selected.Name, StringComparison.Ordinal)) return;
        _selected.Hold(change);
        if (_idleTag is null) return;
        // The connection waits for DONE: these bytes are written at once, ahead of anything queued later.
        var bytes = Format(_selected.Release(expungesAllowed: true));
        if (bytes.Length > 0) Connection.SendUnsolicited(bytes);
        ReportReleasedContent();
    }

    /// <summary>
    /// Tells the held changes before a command's tagged status. EXPUNGE may not be sent while responding to FETCH,
    /// STORE or SEARCH by sequence number (RFC 3501 section 7.4.1); those changes wait for a later command.
    /// </summary>
    private void FlushUpdates(ImapCommand command)
    {
        if (_selected is null || !_selected.HasHeld) return;
        var sequenceBound = command is ImapCommand.Fetch { ByUid: false } or ImapCommand.Store { ByUid: false } or ImapCommand.Search { ByUid: false }
            or ImapCommand.Sort { ByUid: false } or ImapCommand.Thread { ByUid: false };
        foreach (var response in _selected.Release(expungesAllowed: !sequenceBound)) Send(response);
        ReportReleasedContent();
    }

    /// <summary>Expunged messages this session has told its client about: the entity may now free their content.</summary>
    private void ReportReleasedContent()
    {
        if (_selected is null || _user is null) return;
        var released = _selected.TakeReleasedContent();
        if (released.Count > 0) Services.MailboxRegion.Tell(new ReleaseViewedContent(_user, Self, released), ActorRefs.NoSender);
    }

    private static byte[] Format(List<ImapResponse> responses)
    {
        if (responses.Count == 0) return [];
        var output = new MemoryStream();
        foreach (var response in responses) output.Write(ImapResponseFormatter.Format(response));
        return output.ToArray();
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
