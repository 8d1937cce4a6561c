using ActorMTA.Server.Cluster;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The sharded throttle of one (source, site), or of one (source, provider) with all of the provider's sites: the
/// only place the connections and rates of a destination are counted, so that every node's ready queues together
/// stay within the limits, with no store outside the cluster. Queues ask it for connections and messages in small
/// batches (<see cref="AcquireSendPermits"/>) and release connections when they close. Not persistent: counters
/// last seconds, and a holder's next request states what it holds. If the entity moves (its node died), it starts
/// empty and learns the open connections from the holders' next requests; until then a site may briefly see more.
/// It also holds the automation actions of its sites (rules fired by replies the queues report, and operators'
/// actions): held for every node alike, lost with the entity's node. An entity with actions in force stays.
/// </summary>
public sealed class SendThrottle : ReceiveActor
{
    private static readonly TimeSpan PassivateAfter = TimeSpan.FromMinutes(2);

    private readonly SendThrottleBook<IActorRef> _book = new();
    private readonly string _key;
    private readonly SendThrottleKey _parsed;
    private readonly TimeProvider _clock;
    private readonly AutomationState _automation;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public SendThrottle(string key, TimeProvider clock, AutomationRules rules)
    {
        _key = key;
        _parsed = SendThrottleKey.Parse(key);
        _clock = clock;
        _automation = new AutomationState(rules, clock);
        Receive<AcquireSendPermits>(Acquire);
        Receive<ReleaseConnections>(m => Wake(_book.Release(Sender, m.Site, m.Count)));
        Receive<Terminated>(t => Wake(_book.Forget(t.ActorRef)));
        Receive<ReportSiteReply>(m =>
        {
            foreach (var action in _automation.OnReply(_parsed.Source, SiteKey.Parse(m.Site), _parsed.Provider, m.Reply))
                _log.Warning("{0}: automation {1}", _key, action);
        });
        Receive<ImposeSendAction>(m =>
        {
            var action = _automation.Impose(_parsed.Source, m.Scope, m.Target, AutomationAction.Parse(m.Action, "action"), m.Duration, m.Reason);
            _log.Warning("{0}: operator action {1}", _key, action);
            Sender.Tell(Status());
        });
        Receive<CancelSendActions>(m =>
        {
            var cancelled = _automation.CancelFor(m.Target);
            _log.Info("{0}: {1} action(s) for {2} cancelled by the operator", _key, cancelled, m.Target);
            Sender.Tell(Status() with { Cancelled = cancelled });
            // Queues held back by a suspension ask again at its end; told now, they need not wait for it.
            Wake(_book.TakeWaiting());
        });
        Receive<GetSendThrottleStatus>(_ => Sender.Tell(Status()));
        Receive<ReceiveTimeout>(_ =>
        {
            if (_book.Idle(_clock.GetUtcNow()) && _automation.NextExpiry() is null) Context.Parent.Tell(new Passivate(PassivateEntity.Instance));
        });
        Receive<PassivateEntity>(_ => Context.Stop(Self));
        Context.SetReceiveTimeout(PassivateAfter);
    }

    public static Props Props(string key, TimeProvider clock, AutomationRules rules) => Akka.Actor.Props.Create(() => new SendThrottle(key, clock, rules));

    private SendThrottleStatus Status() =>
        new(_key, _book.OpenBySite().Select(o => new SiteConnections(o.Site, o.Open)).ToArray(), _automation.Active());

    private void Acquire(AcquireSendPermits m)
    {
        var holder = Sender;
        if (!_book.Knows(holder)) Context.Watch(holder);
        var now = _clock.GetUtcNow();
        var site = SiteKey.Parse(m.Site);
        var limits = _automation.Apply(m.Limits, _parsed.Source, site, _parsed.Provider, out var suspendedUntil);
        var perConnection = _automation.MessagesPerConnection(_parsed.Source, site, _parsed.Provider);
        if (suspendedUntil is { } until)
        {
            // Records what the holder holds, grants nothing, and says when to ask again.
            _book.Acquire(holder, m.Site, limits, m.Held, 0, 0, now);
            _book.Wait(holder);
            holder.Tell(new SendPermits(m.ThrottleKey, m.Site, m.RequestId, 0, 0, until - now) { MessagesPerConnection = perConnection });
            return;
        }
        var grant = _book.Acquire(holder, m.Site, limits, m.Held, m.Connections, m.Messages, now);
        if (grant.Connections < m.Connections && grant.RetryAfter == SendThrottleBook<IActorRef>.ConnectionRetry)
        {
            foreach (var other in _book.HoldersToNudge(holder, m.Site, now)) other.Tell(new ReleaseIdleConnections(_key));
        }
        holder.Tell(new SendPermits(m.ThrottleKey, m.Site, m.RequestId, grant.Connections, grant.Messages, grant.RetryAfter) { MessagesPerConnection = perConnection });
    }

    private void Wake(IReadOnlyCollection<IActorRef> waiting)
    {
        foreach (var holder in waiting) holder.Tell(new SendPermitsFreed(_key));
    }
}
