using ActorMTA.Server.Cluster;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Queues;

/// <summary>
/// The DomainQueue entity: one per recipient domain, sharded and persistent, remembered by sharding so
/// that a queue holding mail comes back by itself after a restart. For now it holds accepted remote
/// mail durably; outbound delivery (attempts, retries, bounces) will be driven from here.
/// </summary>
public sealed class DomainQueue : BatchingPersistentEntity
{
    private readonly string _queueId;
    private readonly IContentStore _content;
    private readonly DomainQueueSettings _settings;
    private DomainQueueState _state = new();

    public DomainQueue(string queueId, IContentStore content, DomainQueueSettings settings, PersistenceCounter counter)
        : base(settings.MaxBatch, settings.SnapshotEvery, counter)
    {
        _queueId = queueId;
        _content = content;
        _settings = settings;
        PersistenceId = PersistenceIdOf(queueId);
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string queueId) => "domain-queue|" + queueId;

    public static Props Props(string queueId, IContentStore content, DomainQueueSettings settings, PersistenceCounter counter) =>
        Akka.Actor.Props.Create(() => new DomainQueue(queueId, content, settings, counter));

    protected override bool IsCommand(object message) => message is IDomainQueueCommand;

    protected override void Decide(object command, IActorRef sender, CommandBatch batch)
    {
        switch (command)
        {
            case EnqueueDelivery enqueue:
                Enqueue(enqueue, sender, batch);
                break;
            case RetractEnqueue retract:
                var entry = _state.Find(retract.MessageId);
                if (entry is not null) batch.Emit(new DeliveryRemoved(retract.MessageId, QueueRemovalReason.Retracted));
                batch.Reply(sender, new EnqueueRetracted(retract.QueueId, retract.MessageId, retract.CorrelationId));
                if (entry is not null) batch.After(() => Release(entry.ContentRef));
                break;
            case GetQueueStatus status:
                batch.Reply(sender, new QueueStatus(status.QueueId, _state.Pending, _state.Entries()));
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    private void Enqueue(EnqueueDelivery enqueue, IActorRef sender, CommandBatch batch)
    {
        var existing = _state.Find(enqueue.MessageId);
        if (existing is null)
            batch.Emit(new DeliveryQueued(enqueue.MessageId, enqueue.ContentRef, enqueue.ReversePath, enqueue.Recipients.ToArray(), enqueue.Size, enqueue.QueuedAt));
        batch.Reply(sender, new DeliveryEnqueued(enqueue.QueueId, enqueue.CorrelationId));
        // The queue holds one reference per message; a second one for the same message is surplus.
        if (existing is not null && existing.ContentRef != enqueue.ContentRef)
            batch.After(() => Release(enqueue.ContentRef));
    }

    private void Release(string reference)
    {
        var content = _content;
        var log = Log;
        var id = PersistenceId;
        _ = Task.Run(() =>
        {
            try { content.Release(reference); }
            catch (Exception e) { log.Warning(e, "{0}: releasing content {1} failed; the file stays as an orphan", id, reference); }
        });
    }

    protected override bool ApplyEvent(object @event)
    {
        if (@event is not IDomainQueueEvent e) return false;
        _state.Apply(e);
        return true;
    }

    protected override object CreateSnapshot() => _state.ToSnapshot();

    protected override bool ApplySnapshot(object snapshot)
    {
        if (snapshot is not DomainQueueSnapshot s) return false;
        _state = DomainQueueState.FromSnapshot(s);
        return true;
    }

    protected override void OnRecovered()
    {
        if (_state.Pending > 0) Log.Info("{0}: recovered with {1} pending deliveries", PersistenceId, _state.Pending);
        Context.System.EventStream.Publish(new DomainQueueRecovered(_queueId, _state.Pending));
        UpdatePassivation();
    }

    protected override void OnBatchPersisted() => UpdatePassivation();

    // With remember-entities on, only passivation takes an entity out of the remembered set: a queue
    // holding mail must stay (and come back after a restart); an empty one may go.
    private void UpdatePassivation()
    {
        if (_state.Pending == 0) Context.SetReceiveTimeout(_settings.IdlePassivateAfter);
        else Context.SetReceiveTimeout(null);
    }

    protected override bool ReceiveOther(object message)
    {
        if (message is not ReceiveTimeout) return false;
        if (_state.Pending == 0 && IsIdle) RequestPassivation();
        return true;
    }
}
