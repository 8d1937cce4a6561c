using ActorMTA.Server.Cluster;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// The Mailbox entity: one per normalised address, sharded across the cluster, persistent.
/// Holds folders, uids, flags and content references (never bodies); writes in batches
/// (see <see cref="BatchingPersistentEntity"/>) and passivates after
/// actormta.mailbox.passivate-after without traffic, unless an IMAP session has a folder selected.
/// Sessions with a folder selected get a <see cref="FolderChanged"/> after every persisted change made by someone else.
/// A delivered message's Reception and Delivery events are derived from its journaled append (see <see cref="DeriveEvents"/>).
/// </summary>
public sealed partial class Mailbox : BatchingPersistentEntity, IWithTimers
{
    private readonly IContentStore _content;
    private readonly FolderSessions _sessions = new();
    private readonly RetainedContent<IActorRef> _retained = new();
    private MailboxState _state = new();
    private readonly long? _quotaLimit;
    private readonly int _selectPartBytes;
    // Delivery events (actormta.events): null when the node writes none.
    private readonly EventOutbox? _outbox;
    private readonly MailboxEventDeriver? _deriver;
    private readonly IActorRef? _eventLog;
    private readonly DeliveryEvents? _events;
    private long _liveSequence;
    // In recovery: how far the log already holds this mailbox's events (read once, at the first replayed delivery).
    private long? _durableAtRecovery;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Octets in all folders: what the quota counts.</summary>
    private long UsedBytes => _state.Folders.Sum(f => f.Bytes);

    /// <summary>Adding <paramref name="bytes"/> would go over the quota (IMAP APPEND and COPY are refused then).</summary>
    private bool WouldExceedQuota(long bytes) => _quotaLimit is { } limit && UsedBytes + bytes > limit;

    public Mailbox(string address, IContentStore content, MailboxSettings settings, PersistenceCounter counter)
        : base(settings.MaxBatch, settings.SnapshotEvery, counter)
    {
        _content = content;
        _quotaLimit = settings.Quota.LimitFor(address);
        _selectPartBytes = settings.SelectPartBytes;
        PersistenceId = PersistenceIdOf(address);
        Context.SetReceiveTimeout(settings.PassivateAfter);
        var events = DeliveryEvents.Get(Context.System);
        if (events.Log is { } log)
        {
            _events = events;
            _eventLog = log;
            _outbox = new EventOutbox(PersistenceId);
            _deriver = new MailboxEventDeriver(address, PersistenceId, events.Node);
        }
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string address) => "mailbox|" + address;

    public static Props Props(string address, IContentStore content, MailboxSettings settings, PersistenceCounter counter) =>
        Akka.Actor.Props.Create(() => new Mailbox(address, content, settings, counter));

    protected override bool IsCommand(object message) => message is IMailboxCommand;

    // Marking \Deleted is the first half of an IMAP deletion: it must get through on a full disk too.
    protected override bool FreesSpace(object command) =>
        command is ExpungeMessages or ExpungeDeleted or RetractDelivery or DeleteFolder or MoveMessages
        || command is StoreFlags { Mode: not FlagStoreMode.Remove } store && store.Flags.Contains(MailboxFlags.Deleted, StringComparer.OrdinalIgnoreCase);

    protected override void Decide(object command, IActorRef sender, CommandBatch batch)
    {
        switch (command)
        {
            case DeliverToMailbox deliver:
                Deliver(deliver, sender, batch);
                break;
            case RetractDelivery retract:
                Retract(retract, sender, batch);
                break;
            case ExpungeMessages expunge:
                Expunge(expunge, sender, batch);
                break;
            case GetMaildrop get:
                var folder = _state.Folder(get.Folder);
                var messages = folder is null ? Array.Empty<MailboxMessage>() : folder.Messages.ToArray();
                if (get.WithoutStructures) messages = Array.ConvertAll(messages, m => m.Structure is null ? m : m with { Structure = null });
                batch.Reply(sender, new Maildrop(get.Address, messages));
                break;
            case GetMailboxStats stats:
                batch.Reply(sender, new MailboxStats(stats.Address, _state.Folders
                    .Select(f => new FolderStats(f.Name, f.Count, f.Bytes, f.UidValidity, f.UidNext))
                    .ToArray()));
                break;
            default:
                if (!DecideImap(command, sender, batch)) Unhandled(command);
                break;
        }
    }

    private void Deliver(DeliverToMailbox deliver, IActorRef sender, CommandBatch batch)
    {
        var existing = deliver.OncePerQueueId
            ? _state.FindByQueueId(deliver.QueueId)
            : _state.FindByContentRef(deliver.ContentRef) is { } same && same.QueueId == deliver.QueueId ? same : null;
        if (existing is not null)
        {
            // A re-sent command (a bounce stored again after a restart): the entry, possibly still in flight in
            // this batch, is the answer. A second reference to the same message is surplus.
            batch.Reply(sender, new MailboxDelivered(deliver.Address, deliver.CorrelationId, existing.Uid));
            if (existing.ContentRef != deliver.ContentRef)
            {
                var surplus = deliver.ContentRef;
                batch.After(() => Release([surplus]));
            }
            return;
        }
        var target = deliver.ToJunk ? JunkFolder(batch) : EnsureUidValidity(_state.Inbox, batch);
        var uid = target.UidNext;
        batch.Emit(new MessageAppended(target.Name, uid, deliver.QueueId, deliver.ContentRef, deliver.Size, deliver.InternalDate, MailboxMessage.NoFlags)
        {
            // Journaled only while this node derives events: with them off an append costs what it did before.
            Envelope = _outbox is null ? null : deliver.Envelope,
        });
        batch.Reply(sender, new MailboxDelivered(deliver.Address, deliver.CorrelationId, uid));
        NotifyAppended(deliver.Address, target, [target.Get(uid)!], caller: null, batch);
    }

    /// <summary>The folder marked \Junk (RFC 6154), else one named Junk; created and subscribed when there is none, as the
    /// first login would have.</summary>
    private FolderState JunkFolder(CommandBatch batch)
    {
        var junk = _state.Folders.FirstOrDefault(f => f.SpecialUse == SpecialUse.Junk) ?? _state.Folder("Junk");
        if (junk is not null) return EnsureUidValidity(junk, batch);
        EnsureUidValidity(_state.Inbox, batch);
        batch.Emit(new FolderCreated("Junk", NewUidValidity()) { SpecialUse = SpecialUse.Junk });
        if (!_state.IsSubscribed("Junk")) batch.Emit(new FolderSubscriptionChanged("Junk", true));
        return _state.Folder("Junk")!;
    }

    private void Retract(RetractDelivery retract, IActorRef sender, CommandBatch batch)
    {
        foreach (var folder in _state.Folders.ToList())
        {
            var uids = folder.Messages.Where(m => m.QueueId == retract.QueueId).ToList();
            if (uids.Count == 0) continue;
            var removed = uids.Select(m => m.Uid).ToArray();
            batch.Emit(new MessagesRemoved(folder.Name, removed, RemovalReason.Retracted));
            NotifyExpunged(retract.Address, folder, removed, except: null, batch);
            ReleaseExpunged(folder, uids.Select(m => m.ContentRef).ToList(), caller: null, batch);
        }
        batch.Reply(sender, new DeliveryRetracted(retract.Address, retract.QueueId, retract.CorrelationId));
    }

    private void Expunge(ExpungeMessages expunge, IActorRef sender, CommandBatch batch)
    {
        var folder = _state.Folder(expunge.Folder);
        var removed = folder is null
            ? new List<MailboxMessage>()
            : expunge.Uids.Distinct().Select(folder.Get).OfType<MailboxMessage>().ToList();
        if (removed.Count > 0)
        {
            var uids = removed.Select(m => m.Uid).ToArray();
            batch.Emit(new MessagesRemoved(folder!.Name, uids, RemovalReason.Expunged));
            NotifyExpunged(expunge.Address, folder, uids, except: null, batch);
        }
        batch.Reply(sender, new MessagesExpunged(expunge.Address, expunge.Folder, removed.Select(m => m.Uid).ToArray(), expunge.CorrelationId));
        if (removed.Count > 0) ReleaseExpunged(folder!, removed.Select(m => m.ContentRef).ToList(), caller: null, batch);
    }

    private void Release(IReadOnlyList<string> references) => ReleaseContent(_content, references);

    /// <summary>
    /// Releases the content of messages just expunged from <paramref name="folder"/> once persisted, or, while other
    /// sessions have the folder selected (they may still fetch them), when the last of them is done with them.
    /// The caller applies its own expunges before its tagged reply, so it does not hold them.
    /// </summary>
    private void ReleaseExpunged(FolderState folder, IReadOnlyList<string> references, IActorRef? caller, CommandBatch batch)
    {
        if (references.Count == 0) return;
        var viewers = ViewersOf(folder, caller);
        batch.After(() =>
        {
            // Retained only once the expunge is persisted, and only for views still there (a viewer may have died or
            // selected again meanwhile: its new view was made without these messages).
            var still = viewers.Still();
            var now = references.Where(reference => _retained.ReleaseNowOrOwe(reference, still)).ToList();
            if (now.Count > 0) Release(now);
        });
    }

    /// <summary>
    /// Messages moved out of <paramref name="folder"/>: their content lives on in the target, but the sessions that
    /// still show them here may fetch them, so an expunge of the moved copy must not free it under them.
    /// </summary>
    private void WatchMoved(FolderState folder, IReadOnlyList<string> references, IActorRef? caller, CommandBatch batch)
    {
        if (references.Count == 0) return;
        var viewers = ViewersOf(folder, caller);
        if (viewers.Count == 0) return;
        batch.After(() =>
        {
            var still = viewers.Still();
            foreach (var reference in references) _retained.WatchOnly(reference, still);
        });
    }

    /// <summary>The sessions showing <paramref name="folder"/> now, each with the selection it has.</summary>
    private Viewers ViewersOf(FolderState folder, IActorRef? caller) =>
        new(_sessions, _sessions.Of(folder, caller).Select(s => (s.Session, _sessions.SelectionOf(s.Session)!.Value)).ToList());

    private sealed record Viewers(FolderSessions Sessions, List<(IActorRef Session, long Selection)> Selections)
    {
        public int Count => Selections.Count;

        /// <summary>Those whose selection has not changed since.</summary>
        public List<IActorRef> Still() => Selections.Where(v => Sessions.SelectionOf(v.Session) == v.Selection).Select(v => v.Session).ToList();
    }

    private void DropViewer(IActorRef session, string reference, CommandBatch batch)
    {
        var due = _retained.Drop(session, reference);
        if (due > 0) batch.After(() => Release(Enumerable.Repeat(reference, due).ToList()));
    }

    private void DropViewer(IActorRef session, CommandBatch batch)
    {
        var free = _retained.DropAll(session);
        if (free.Count > 0) batch.After(() => Release(free));
    }

    /// <summary>
    /// UIDVALIDITY is a 32-bit non-zero value that must change whenever uids of a name could be reused: seconds since
    /// the epoch, but always above every value this mailbox handed out before (two folders created in one second,
    /// a name deleted and re-created at once).
    /// </summary>
    private long NewUidValidity() =>
        Math.Max(_state.LastUidValidity + 1, Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() & 0xFFFFFFFFL));

    /// <summary>INBOX exists from the start but gets its UIDVALIDITY with the first write that needs it.</summary>
    private FolderState EnsureUidValidity(FolderState folder, CommandBatch batch)
    {
        if (folder.UidValidity == 0) batch.Emit(new FolderCreated(folder.Name, NewUidValidity()) { SpecialUse = folder.SpecialUse });
        return folder;
    }

    protected override bool ApplyEvent(object @event)
    {
        if (@event is not IMailboxEvent e) return false;
        if (_outbox is not null) DeriveEvents(e);
        _state.Apply(e);
        return true;
    }

    /// <summary>
    /// The delivery events of a journaled delivery (an append with its envelope; an IMAP APPEND has none): in recovery
    /// its sequence number is the replayed one, live the events of a batch get the numbers after the last persisted
    /// one, in order, as PersistAll gives them. Published once the batch is persisted (<see cref="OnBatchPersisted"/>),
    /// kept (in snapshots too) until the log confirms them. In recovery, deliveries the log already holds are skipped:
    /// a large mailbox replays up to as many events as it holds messages, and would otherwise send them all again.
    /// </summary>
    private void DeriveEvents(IMailboxEvent e)
    {
        var sequence = IsRecovering ? LastSequenceNr : ++_liveSequence;
        if (e is not MessageAppended { Envelope: not null } appended) return;
        if (IsRecovering && sequence <= (_durableAtRecovery ??= _events!.DurableUpTo(PersistenceId))) return;
        _outbox!.Add(sequence, _deriver!.Derive(sequence, appended));
    }

    private void PublishEvents(bool again)
    {
        _outbox?.Publish(_eventLog!, LastSequenceNr, again, Self, Timers);
    }

    protected override object CreateSnapshot() =>
        _outbox is null || _outbox.IsEmpty ? _state.ToSnapshot() : _state.ToSnapshot() with { Unpublished = _outbox.Entries.ToArray() };

    protected override int SnapshotSize => _state.MessageCount;

    protected override bool ApplySnapshot(object snapshot)
    {
        if (snapshot is not MailboxSnapshot s) return false;
        _state = MailboxState.FromSnapshot(s);
        _outbox?.Restore(s.Unpublished);
        return true;
    }

    protected override void OnRecovered()
    {
        if (_outbox is null) return;
        _liveSequence = LastSequenceNr;
        // What a snapshot carried may have been written since it was taken.
        _outbox.Confirmed(_durableAtRecovery ?? _events!.DurableUpTo(PersistenceId));
        _durableAtRecovery = null;
        PublishEvents(again: true);
    }

    protected override void OnBatchPersisted() => PublishEvents(again: false);

    protected override bool ReceiveOther(object message)
    {
        switch (message)
        {
            case ReceiveTimeout:
                // A session with a folder selected waits for pushes (IDLE): stopping would silently cut them off.
                // Unconfirmed delivery events hold it too: once passivated, nothing would start it to send them again.
                if (_sessions.IsEmpty && _retained.IsEmpty && (_outbox?.IsEmpty ?? true)) RequestPassivation();
                return true;
            case EventsWritten written:
                _outbox?.Confirmed(written.UpTo);
                return true;
            case EventOutbox.ResendTick:
                _outbox?.Resend(_eventLog!, LastSequenceNr, Self, Timers);
                return true;
            case Terminated dead:
                _sessions.Remove(dead.ActorRef);
                // Retained content is of persisted expunges only (see ReleaseExpunged).
                var free = _retained.DropAll(dead.ActorRef);
                if (free.Count > 0) Release(free);
                return true;
            default:
                return false;
        }
    }
}
