using System.Diagnostics;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Queues;

/// <summary>
/// The DomainQueue entity, the scheduled side of outbound delivery: one per recipient domain (or partition
/// "domain#k"), sharded and persistent, remembered by sharding so that a queue holding mail comes back by itself
/// after a restart and resumes delivery. It decides <em>when</em>: it journals every message and outcome, applies
/// the retry/expiry rules of <see cref="SettlePolicy"/>, fails expired mail, takes operator commands, and hands
/// bounces and delay warnings to the sender before it lets go of a message. Its <see cref="ReadyQueue"/> decides
/// <em>how fast and over which connection</em> due mail goes. Without <see cref="DeliveryServices"/> it only holds mail.
/// </summary>
public sealed class DomainQueue : BatchingPersistentEntity, IWithTimers
{
    // Messages the queue sends itself that change state: decided and persisted in order with the commands. They never
    // leave the node (they carry resolved IP addresses, jobs, actor refs), so serialize-messages does not check them.
    private interface ISelfCommand : INoSerializationVerificationNeeded;
    private sealed record TargetsResolved(ResolvedTargets Result) : ISelfCommand;
    private sealed record ExpireDue(IReadOnlyList<string> QueueIds) : ISelfCommand;
    private sealed record DsnStored(DsnOutcome Outcome) : ISelfCommand;
    private sealed record AgentStopped(IActorRef Agent) : ISelfCommand;
    private sealed record DsnFailed(DsnJob Job, string Reason) : INoSerializationVerificationNeeded;
    private sealed record DispatchTick { public static readonly DispatchTick Instance = new(); }
    private sealed record DsnRetryTick { public static readonly DsnRetryTick Instance = new(); }

    private const int MaxDsnsInFlight = 16;
    private const int MaxExpiriesPerTick = 1000;

    private readonly string _queueName;
    private readonly string _domain;
    private readonly IContentStore _content;
    private readonly DomainQueueSettings _settings;
    private readonly DeliveryServices? _delivery;
    private readonly SettlePolicy _policy;
    private readonly HashSet<string> _dsnsInFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<FailedRecipient>> _warningsDue = new(StringComparer.Ordinal);
    private DomainQueueState _state = new();
    // Delivery events (actormta.events): null when the node writes none.
    private readonly EventOutbox? _outbox;
    private readonly QueueEventDeriver? _deriver;
    private readonly IActorRef? _eventLog;
    private long _liveSequence;
    private ReadyQueue? _ready;
    private bool _resolving;
    private long _resolveStarted;
    private bool _dispatchRequested;

    public ITimerScheduler Timers { get; set; } = null!;

    public DomainQueue(string queueName, IContentStore content, DomainQueueSettings settings, PersistenceCounter counter, DeliveryServices? delivery = null)
        : base(settings.MaxBatch, settings.SnapshotEvery, counter)
    {
        _queueName = queueName;
        _domain = QueuePartitions.DomainOf(queueName);
        _content = content;
        _settings = settings;
        _delivery = delivery;
        _policy = new SettlePolicy(delivery?.Settings ?? new DeliverySettings(), new Random());
        PersistenceId = PersistenceIdOf(queueName);
        var events = DeliveryEvents.Get(Context.System);
        if (events.Log is { } log)
        {
            _eventLog = log;
            _outbox = new EventOutbox(PersistenceId);
            _deriver = new QueueEventDeriver(queueName, PersistenceId, events.Node, events.Classify);
        }
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string queueName) => "domain-queue|" + queueName;

    public static Props Props(string queueName, IContentStore content, DomainQueueSettings settings, PersistenceCounter counter, DeliveryServices? delivery = null) =>
        Akka.Actor.Props.Create(() => new DomainQueue(queueName, content, settings, counter, delivery));

    private DateTimeOffset Now => _delivery?.Clock.GetUtcNow() ?? DateTimeOffset.UtcNow;

    private DateTimeOffset BackoffUntil => _ready?.BackoffUntil ?? DateTimeOffset.MinValue;

    private int Connections => _ready?.Connections ?? 0;

    protected override bool IsCommand(object message) => message is IDomainQueueCommand or IDeliveryReport or ISelfCommand;

    // A finished attempt removes delivered entries: a full disk must not stop the queue from draining.
    protected override bool FreesSpace(object command) => command is RetractEnqueue or DeleteQueued or BounceQueued or MessageAttempted;

    protected override void Decide(object command, IActorRef sender, CommandBatch batch)
    {
        switch (command)
        {
            case EnqueueDelivery enqueue:
                Enqueue(enqueue, sender, batch);
                break;
            case RetractEnqueue retract:
                var entry = _state.Find(retract.QueueId);
                if (entry is not null) batch.Emit(new DeliveryRemoved(retract.QueueId, QueueRemovalReason.Retracted));
                batch.Reply(sender, new EnqueueRetracted(retract.QueueName, retract.QueueId, retract.CorrelationId));
                if (entry is not null) batch.After(() => Release(entry.ContentRef));
                break;
            case GetQueueStatus status:
                batch.Reply(sender, new QueueStatus(status.QueueName, _state.Pending, _state.Entries()) { Suspended = _state.Suspended, Site = _ready?.Site });
                break;
            case SuspendQueue suspend:
                if (!_state.Suspended) batch.Emit(new QueueSuspensionChanged(true));
                Log.Info("{0}: delivery suspended", PersistenceId);
                batch.Reply(sender, new QueueControlDone(suspend.QueueName, _state.Pending));
                RequestDispatch(); // lets parked connections go
                break;
            case ResumeQueue resume:
                if (_state.Suspended) batch.Emit(new QueueSuspensionChanged(false));
                Log.Info("{0}: delivery resumed", PersistenceId);
                batch.Reply(sender, new QueueControlDone(resume.QueueName, _state.Pending));
                RequestDispatch();
                break;
            case FlushQueue flush:
                Flush(flush, sender, batch);
                break;
            case BounceQueued bounce:
                BounceByOperator(bounce, sender, batch);
                break;
            case DeleteQueued delete:
                var deleted = _state.Find(delete.QueueId);
                if (deleted is not null)
                {
                    batch.Emit(new DeliveryRemoved(delete.QueueId, QueueRemovalReason.Deleted));
                    _warningsDue.Remove(delete.QueueId);
                    Log.Info("{0}: message {1} deleted by the administrator (no bounce)", PersistenceId, delete.QueueId);
                    batch.After(() => Release(deleted.ContentRef));
                }
                batch.Reply(sender, new QueueControlDone(delete.QueueName, deleted is null ? 0 : 1));
                break;
            case MessageAttempted attempted:
                _ready?.Reported(attempted.QueueId);
                _ready?.SiteReplied(sender, attempted.Results.Select(r => r.Reply));
                if (_state.Find(attempted.QueueId) is { } tried)
                    Settle(tried, attempted.Results, attempted.MxHost, counted: true, logEach: false, batch, attempted.NextHopHasDsn, source: _ready?.SourceOf(sender),
                        latencyMs: attempted.DurationMs, connection: attempted.Connection);
                break;
            case AgentFinished finished:
                AgentDone(finished, sender, batch);
                break;
            case AgentStopped stopped:
                if (_ready is not null && _ready.Ended(stopped.Agent))
                {
                    // Stopped without its final report (it failed): its messages went back to the queue untried.
                    _ready.BackOff(Now);
                    Log.Warning("{0}: a delivery agent stopped unexpectedly; the domain waits {1}", PersistenceId, _delivery!.Settings.DomainBackoff);
                }
                RequestDispatch();
                UpdatePassivation();
                break;
            case TargetsResolved resolved:
                _resolving = false;
                OnTargets(resolved.Result, batch);
                break;
            case ExpireDue expire:
                foreach (var id in expire.QueueIds)
                {
                    _state.EndLease(id);
                    if (_state.Find(id) is { } old)
                        Settle(old, old.Recipients.Select(r => new RecipientResult(r, SettlePolicy.ExpiredReply)).ToArray(), null, counted: false, logEach: true, batch,
                            kind: AttemptKind.Expiry);
                }
                break;
            case DsnStored stored:
                DsnDone(stored.Outcome, batch);
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    private void Enqueue(EnqueueDelivery enqueue, IActorRef sender, CommandBatch batch)
    {
        var existing = _state.Find(enqueue.QueueId);
        if (existing is null)
            batch.Emit(new DeliveryQueued(enqueue.QueueId, enqueue.ContentRef, enqueue.ReversePath, enqueue.Recipients.ToArray(), enqueue.Size, enqueue.QueuedAt)
            {
                Traits = enqueue.Traits,
                Dsn = enqueue.Dsn,
                RecipientDsn = RecipientDsnOf(enqueue),
                Pool = enqueue.Pool,
                Tags = enqueue.Tags,
            });
        batch.Reply(sender, new DeliveryEnqueued(enqueue.QueueName, enqueue.CorrelationId));
        // The queue holds one reference per message; a second one for the same message is surplus.
        if (existing is not null && existing.ContentRef != enqueue.ContentRef)
            batch.After(() => Release(enqueue.ContentRef));
    }

    /// <summary>The parameters of this queue's recipients that gave any; the session's map may hold other domains' too.</summary>
    private static IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsnOf(EnqueueDelivery enqueue)
    {
        if (enqueue.RecipientDsn.Count == 0) return QueuedDelivery.NoRecipientDsn;
        var given = new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal);
        foreach (var recipient in enqueue.Recipients)
            if (enqueue.RecipientDsn.TryGetValue(recipient, out var dsn) && !dsn.IsNone) given[recipient] = dsn;
        return given.Count == 0 ? QueuedDelivery.NoRecipientDsn : given;
    }

    private void Flush(FlushQueue flush, IActorRef sender, CommandBatch batch)
    {
        var now = Now;
        var later = _state.WithRecipients().Count(e => e.NextAttemptAt > now);
        if (later > 0) batch.Emit(new QueueFlushed(now));
        _ready?.EndBackoff();
        Log.Info("{0}: flushed, {1} deferred messages due now", PersistenceId, later);
        batch.Reply(sender, new QueueControlDone(flush.QueueName, later));
        RequestDispatch();
    }

    private void BounceByOperator(BounceQueued bounce, IActorRef sender, CommandBatch batch)
    {
        var targets = bounce.QueueId is null
            ? _state.WithRecipients().ToList()
            : _state.Find(bounce.QueueId) is { Recipients.Count: > 0 } one ? [one] : [];
        var reply = new SmtpReply(550, "5.0.0", bounce.Reason);
        foreach (var entry in targets)
            Settle(entry, entry.Recipients.Select(r => new RecipientResult(r, reply)).ToArray(), null, counted: false, logEach: true, batch, kind: AttemptKind.AdminBounce);
        Log.Info("{0}: {1} messages bounced by the administrator", PersistenceId, targets.Count);
        batch.Reply(sender, new QueueControlDone(bounce.QueueName, targets.Count));
    }

    private void AgentDone(AgentFinished finished, IActorRef agent, CommandBatch batch)
    {
        // Messages handed over after the agent had decided to stop (a MoreMessages it never read) are due again untried.
        var source = _ready?.SourceOf(agent);
        _ready?.SiteReplied(agent, [finished.Reason]);
        _ready?.Ended(agent);
        if (finished.BackoffDomain && _ready is not null)
        {
            _ready.BackOff(Now);
            Log.Info("{0}: {1} ({2}); the domain waits {3}", PersistenceId, finished.Reason, finished.MxHost ?? "no host", _delivery!.Settings.DomainBackoff);
        }
        foreach (var id in finished.Unattempted)
        {
            if (_state.Find(id) is { } entry)
                Settle(entry, entry.Recipients.Select(r => new RecipientResult(r, finished.Reason)).ToArray(), finished.MxHost, counted: true, logEach: true, batch,
                    latencyMs: finished.ElapsedMs, source: source, connection: finished.Connection);
        }
        RequestDispatch();
        UpdatePassivation();
    }

    /// <summary>Persists what <see cref="SettlePolicy"/> decides for a message's results, and completes it when settled.</summary>
    /// <param name="latencyMs">How long the attempt behind <paramref name="results"/> took, for the delivery log (0: no attempt, e.g. expiry).</param>
    /// <param name="source">The egress source of the connection the results came over, for the metrics.</param>
    /// <param name="kind">What settles them, for the delivery events (an expiry found during an attempt is an expiry).</param>
    /// <param name="connection">The address and TLS of the session the results came over, for the delivery events.</param>
    private void Settle(QueuedDelivery entry, IReadOnlyList<RecipientResult> results, string? mx, bool counted, bool logEach, CommandBatch batch,
        bool nextHopHasDsn = true, long latencyMs = 0, string? source = null, AttemptKind kind = AttemptKind.Attempt, OutboundConnectionInfo? connection = null)
    {
        var now = Now;
        var settlement = _policy.Settle(entry, results, mx, counted, now, BackoffUntil, _warningsDue.ContainsKey(entry.QueueId), nextHopHasDsn);
        if (settlement.Attempt is not { } attempt) return;
        if (_outbox is not null)
            attempt = attempt with
            {
                Report = new AttemptReport(settlement.Expired ? AttemptKind.Expiry : kind, now, mx, connection?.Address, connection?.TlsProtocol,
                    connection?.TlsCipher, source, _ready?.Site, _ready?.Provider, latencyMs,
                    settlement.Applied.Select(r => new RecipientReply(r.Recipient, r.Reply)).ToArray()),
            };
        if (logEach)
            foreach (var result in settlement.Applied) DeliveryLog.Write(Log, entry.QueueId, result.Recipient, mx, result.Reply, latencyMs);
        if (settlement.Expired) Log.Info("{0}: message {1} expired after {2}", PersistenceId, entry.QueueId, now - entry.QueuedAt);
        batch.Emit(attempt);
        CountOutcomes(settlement, attempt, source);
        if (attempt.Failed.Count > 0 && DoubleBounce.IsDoubleBounce(entry.QueueId))
            Log.Warning("{0}: double bounce {1} to the postmaster failed for {2} recipients: dropped ({3})", PersistenceId, entry.QueueId,
                attempt.Failed.Count, attempt.LastResult);
        if (settlement.DelayWarning is { } warning) _warningsDue[entry.QueueId] = warning;
        CompleteIfSettled(entry.QueueId, batch);
    }

    private void CountOutcomes(Settlement settlement, DeliveryAttempted attempt, string? source)
    {
        var relayed = attempt.Failed.Count(f => f.IsRelayed);
        var failed = attempt.Failed.Count - relayed;
        var (site, provider) = (_ready?.Site, _ready?.Provider);
        Observability.MtaMetrics.Delivery("delivered", site, provider, source, attempt.Delivered.Count + relayed);
        Observability.MtaMetrics.Delivery(settlement.Expired ? "expired" : "bounced", site, provider, source, failed);
        Observability.MtaMetrics.Delivery("deferred", site, provider, source, settlement.Applied.Count - attempt.Delivered.Count - attempt.Failed.Count);
    }

    /// <summary>Every recipient delivered or failed and every bounce stored: the message leaves, and so does its content.</summary>
    private void CompleteIfSettled(string queueId, CommandBatch batch)
    {
        var entry = _state.Find(queueId);
        if (entry is null || !SettlePolicy.IsSettled(entry)) return;
        batch.Emit(new DeliveryRemoved(queueId, QueueRemovalReason.Completed));
        _warningsDue.Remove(queueId);
        var reference = entry.ContentRef;
        batch.After(() => Release(reference));
    }

    // ---- scheduling ----

    private void RequestDispatch()
    {
        if (_delivery is null || _dispatchRequested) return;
        _dispatchRequested = true;
        Self.Tell(DispatchTick.Instance);
    }

    private void Dispatch()
    {
        _dispatchRequested = false;
        if (_ready is null) return;
        if (_state.Suspended)
        {
            _ready.ReleaseParked(all: true, Now);
            return;
        }
        if (_resolving) return;
        var now = Now;
        if (_ready.BackoffUntil > now)
        {
            _ready.ReleaseParked(all: true, now);
            Wake(_ready.BackoffUntil, now);
            return;
        }
        _ready.ServeParked(now);
        if (!_ready.HasRoom) return;

        // Expired mail is found through its own index and expires at max-age, whether or not it is due: it neither
        // waits for its next retry nor makes this walk the whole due list.
        var expired = _state.QueuedUpTo(_policy.ExpiredIfQueuedBy(now)).Take(MaxExpiriesPerTick).Select(e => e.QueueId).ToList();
        if (expired.Count > 0)
        {
            foreach (var id in expired) _state.Lease(id);
            Self.Tell(new ExpireDue(expired));
        }
        var anyDue = _state.DueAt(now).Any(e => !_policy.IsExpired(e, now));
        if (!anyDue)
        {
            ScheduleNextWake(now);
            return;
        }
        _resolving = true;
        _resolveStarted = Stopwatch.GetTimestamp();
        ResolvedTargets.ForDomainAsync(_domain, _delivery!, CancellationToken.None)
            .PipeTo(Self, success: r => new TargetsResolved(r),
                failure: e => new TargetsResolved(new ResolvedTargets([], new MxResolution.Failure(false, "4.4.3", "DNS lookup failed: " + e.Message))));
    }

    private void OnTargets(ResolvedTargets result, CommandBatch batch)
    {
        if (_state.Suspended || _ready is null) return;
        var now = Now;
        if (result.Failure is { } failure)
        {
            // Permanent (NXDOMAIN, null MX): nothing will ever be deliverable, so all pending mail fails now.
            // Temporary: only the mail that was due waits for its next attempt. Mail in flight is settled by its agent.
            var entries = failure.Permanent ? _state.ByNextAttempt().ToList() : _state.DueAt(now).ToList();
            var reply = new SmtpReply(failure.ReplyCode, failure.EnhancedCode, failure.Text);
            var latency = (long)Stopwatch.GetElapsedTime(_resolveStarted).TotalMilliseconds;
            foreach (var entry in entries)
                Settle(entry, entry.Recipients.Select(r => new RecipientResult(r, reply)).ToArray(), null, counted: true, logEach: true, batch, latencyMs: latency,
                    kind: failure.Permanent ? AttemptKind.Resolution : AttemptKind.Attempt);
            return;
        }
        _ready.Start(result.Targets, now);
        ScheduleNextWake(now);
    }

    /// <summary>Sets the one wake-up timer to the earliest moment something may become deliverable.</summary>
    private void ScheduleNextWake(DateTimeOffset now)
    {
        if (_state.Suspended || _ready is null) return;
        if (_ready.BackoffUntil > now)
        {
            Wake(_ready.BackoffUntil, now);
            return;
        }
        // Due now but not started: either every connection is busy (an agent's end dispatches again) or the
        // per-minute budget is spent (wait for the next token). And the oldest message must expire on time.
        DateTimeOffset? at = _state.NextDue() is { } next
            ? next.NextAttemptAt > now ? next.NextAttemptAt : _ready.NextTokenAt(now)
            : null;
        if (_state.OldestWaiting() is { } oldest && (at is null || _policy.ExpiresAt(oldest) < at)) at = _policy.ExpiresAt(oldest);
        if (at is { } wakeAt) Wake(wakeAt, now);
    }

    private void Wake(DateTimeOffset at, DateTimeOffset now) =>
        Timers.StartSingleTimer("wake", DispatchTick.Instance, Max(at - now, TimeSpan.FromMilliseconds(1)));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // ---- bounces and delay warnings ----

    private void SendDsns()
    {
        if (_delivery is null) return;
        foreach (var entry in _state.AwaitingBounce().ToList())
        {
            if (_dsnsInFlight.Count >= MaxDsnsInFlight) return;
            var number = entry.BouncesSent + 1;
            // Failed mail from <> (a bounce itself) is reported to the postmaster, under an id of its own kind.
            var id = BounceBuilder.ShouldBounce(entry.ReversePath) ? $"{entry.QueueId}.B{number}" : DoubleBounce.QueueIdFor(entry.QueueId, number);
            if (_dsnsInFlight.Contains(id)) continue;
            var recipients = entry.Failures.Select(f => new FailedRecipient(f.Recipient, f.Status, f.Diagnostic, f.RemoteMta, f.At)
                { Action = f.IsRelayed ? DsnAction.Relayed : null, Dsn = entry.DsnOf(f.Recipient), Category = f.IsRelayed ? null : CategoryOf(f) }).ToArray();
            Launch(new DsnJob(id, entry.QueueId, entry.ContentRef, entry.ReversePath, recipients, entry.QueuedAt, false, number) { Dsn = entry.Dsn });
        }
        foreach (var (queueId, recipients) in _warningsDue.ToList())
        {
            if (_dsnsInFlight.Count >= MaxDsnsInFlight) return;
            var entry = _state.Find(queueId);
            if (entry is null || entry.DelayWarningSent)
            {
                _warningsDue.Remove(queueId);
                continue;
            }
            var id = queueId + ".W";
            if (!_dsnsInFlight.Contains(id))
                Launch(new DsnJob(id, queueId, entry.ContentRef, entry.ReversePath, recipients, entry.QueuedAt, true, 0) { Dsn = entry.Dsn });
        }
    }

    private void Launch(DsnJob job)
    {
        _dsnsInFlight.Add(job.DsnQueueId);
        DsnCourier.SendAsync(job, _content, _delivery!, Context.System)
            .PipeTo(Self, success: outcome => new DsnStored(outcome), failure: e => new DsnFailed(job, e.Message));
    }

    private void DsnDone(DsnOutcome outcome, CommandBatch batch)
    {
        var job = outcome.Job;
        _dsnsInFlight.Remove(job.DsnQueueId);
        if (outcome.Stored) Log.Info("{0}: {1} {2} for message {3} stored in {4}", PersistenceId, job.IsDelayWarning ? "delay warning" : "bounce", job.DsnQueueId, job.OriginalQueueId, outcome.Destination);
        else if (outcome.NotWanted) Log.Info("{0}: {1} for message {2} not sent: {3}", PersistenceId, job.DsnQueueId, job.OriginalQueueId, outcome.Destination);
        else Log.Warning("{0}: {1} for message {2} dropped: {3}", PersistenceId, job.DsnQueueId, job.OriginalQueueId, outcome.Destination);
        var entry = _state.Find(job.OriginalQueueId);
        if (entry is null) return;
        if (job.IsDelayWarning)
        {
            _warningsDue.Remove(job.OriginalQueueId);
            if (!entry.DelayWarningSent) batch.Emit(new DelayWarningSent(job.OriginalQueueId));
            return;
        }
        if (entry.BouncesSent >= job.BounceNumber) return;
        batch.Emit(new BounceSent(job.OriginalQueueId, job.BounceNumber, job.Recipients.Select(r => r.Address).ToArray()));
        CompleteIfSettled(job.OriginalQueueId, batch);
    }

    private string CategoryOf(FailedDelivery failure) =>
        (_delivery?.Bounces ?? Protocol.Bounces.BounceClassifier.Fallback).ClassifyDiagnostic(failure.Diagnostic, failure.Status).ToString();

    private void Release(string reference) => ReleaseContent(_content, [reference]);

    protected override bool ApplyEvent(object @event)
    {
        if (@event is not IDomainQueueEvent e) return false;
        if (_outbox is not null) DeriveEvents(e);
        var before = _state.Pending;
        _state.Apply(e);
        Observability.MtaMetrics.QueueChanged(_state.Pending - before);
        return true;
    }

    /// <summary>The delivery events of a journal event, from the state before it: in recovery its sequence number is the
    /// replayed one; live, the events of a batch get the numbers after the last persisted one, in order, as PersistAll
    /// gives them.</summary>
    private void DeriveEvents(IDomainQueueEvent e)
    {
        var sequence = IsRecovering ? LastSequenceNr : ++_liveSequence;
        var entry = e switch
        {
            DeliveryQueued queued => _state.Find(queued.QueueId),
            DeliveryAttempted attempted => _state.Find(attempted.QueueId),
            _ => null,
        };
        if (e is DeliveryQueued or DeliveryAttempted) _outbox!.Add(sequence, _deriver!.Derive(sequence, e, entry));
    }

    private void PublishEvents(bool again)
    {
        _outbox?.Publish(_eventLog!, LastSequenceNr, again, Self, Timers);
    }

    protected override object CreateSnapshot() =>
        _outbox is null ? _state.ToSnapshot() : _state.ToSnapshot() with { Unpublished = _outbox.Entries.ToArray() };

    protected override int SnapshotSize => _state.Pending;

    protected override bool ApplySnapshot(object snapshot)
    {
        if (snapshot is not DomainQueueSnapshot s) return false;
        var before = _state.Pending;
        _state = DomainQueueState.FromSnapshot(s);
        _outbox?.Restore(s.Unpublished);
        Observability.MtaMetrics.QueueChanged(_state.Pending - before);
        return true;
    }

    protected override void OnRecovered()
    {
        _liveSequence = LastSequenceNr;
        PublishEvents(again: true);
        if (_delivery is not null)
            _ready = new ReadyQueue(_queueName, _delivery.Settings.ThrottleFor(_domain).PerPartition(), _delivery.Settings, _content,
                _state, (entry, now) => !_policy.IsExpired(entry, now), Context, Timers, Now, _delivery.Egress,
                _delivery is { Shaping: { } shaping, SendThrottles: { } throttles }
                    ? source => new SitePermits(_domain, source, shaping, throttles, Self)
                    : null);
        if (_state.Pending > 0) Log.Info("{0}: recovered with {1} pending deliveries", PersistenceId, _state.Pending);
        Context.System.EventStream.Publish(new DomainQueueRecovered(_queueName, _state.Pending));
        UpdatePassivation();
        if (_state.Pending > 0)
        {
            RequestDispatch();
            SendDsns();
        }
    }

    // Its messages leave this node's count with it (passivated, handed over to another node, or stopped).
    protected override void PostStop()
    {
        Observability.MtaMetrics.QueueChanged(-_state.Pending);
        base.PostStop();
    }

    protected override void OnBatchPersisted()
    {
        PublishEvents(again: false);
        UpdatePassivation();
        RequestDispatch();
        SendDsns();
    }

    // With remember-entities on, only passivation takes an entity out of the remembered set: a queue
    // holding mail must stay (and come back after a restart); an empty one may go.
    private void UpdatePassivation()
    {
        // Unconfirmed delivery events hold it too: once passivated, nothing would start it to send them again.
        if (_state.Pending == 0 && Connections == 0 && (_outbox?.IsEmpty ?? true)) Context.SetReceiveTimeout(_settings.IdlePassivateAfter);
        else Context.SetReceiveTimeout(null);
    }

    protected override bool ReceiveOther(object message)
    {
        switch (message)
        {
            case DispatchTick:
                Dispatch();
                return true;
            case EventsWritten written:
                _outbox?.Confirmed(written.UpTo);
                if (_outbox?.IsEmpty == true) UpdatePassivation();
                return true;
            case EventOutbox.ResendTick:
                _outbox?.Resend(_eventLog!, LastSequenceNr, Self, Timers);
                return true;
            case MoreWork more:
                if (_ready is null) Sender.Tell(new MoreMessages([]));
                else _ready.GiveMoreWork(more, Sender, queueMaySend: !_state.Suspended, Now);
                return true;
            case ReadyQueue.ReleaseParkedTick:
                _ready?.ReleaseParked(all: false, Now);
                return true;
            case SendPermits permits:
                if (_ready is null)
                {
                    if (permits.Connections > 0) Sender.Tell(new ReleaseConnections(permits.ThrottleKey, permits.Site, permits.Connections));
                    return true;
                }
                var at = Now;
                // A timer of its own: the wake-up for the next due message or expiry must not replace it, or the
                // queue's parked connections would wait for their idle time instead of the rate's next token.
                if (_ready.OnPermits(permits, mayStart: !_state.Suspended && BackoffUntil <= at, at) is { } askAgainAt)
                    Timers.StartSingleTimer("permits", DispatchTick.Instance, Max(askAgainAt - at, TimeSpan.FromMilliseconds(1)));
                UpdatePassivation();
                return true;
            case SendPermitsFreed:
                RequestDispatch();
                return true;
            case ReleaseIdleConnections:
                _ready?.ReleaseIdle(Now);
                return true;
            case Terminated terminated:
                // Through the command buffer, so that the agent's own final report (sent before it stopped) is decided first.
                Self.Tell(new AgentStopped(terminated.ActorRef));
                return true;
            case DsnFailed failed:
                _dsnsInFlight.Remove(failed.Job.DsnQueueId);
                Log.Warning("{0}: {1} for message {2} not stored ({3}); trying again", PersistenceId, failed.Job.DsnQueueId, failed.Job.OriginalQueueId, failed.Reason);
                var retry = _delivery!.Settings.RetrySchedule[0];
                Timers.StartSingleTimer("dsn-retry", DsnRetryTick.Instance, retry < TimeSpan.FromSeconds(30) ? retry : TimeSpan.FromSeconds(30));
                return true;
            case DsnRetryTick:
                SendDsns();
                return true;
            case ReceiveTimeout:
                if (_state.Pending == 0 && Connections == 0 && IsIdle && (_outbox?.IsEmpty ?? true)) RequestPassivation();
                return true;
            default:
                return false;
        }
    }
}
