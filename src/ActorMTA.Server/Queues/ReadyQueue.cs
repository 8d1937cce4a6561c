using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Storage;
using Akka.Actor;

namespace ActorMTA.Server.Queues;

/// <summary>
/// The ready side of one DomainQueue (KumoMTA's ready queue beside its scheduled queue): how fast and over which
/// connection due mail goes. It owns the pool of <see cref="DeliveryAgent"/> children (one per connection, at most
/// max-connections), parks agents whose open connection has nothing to send for connection-idle-time, spends the
/// messages-per-minute <see cref="TokenBucket"/>, caps messages per connection, and holds the domain's backoff.
/// Messages handed to an agent are leased in the <see cref="DomainQueueState"/> until the agent reports them.
/// With <see cref="SitePermits"/> (actormta.shaping), every connection and message is also granted by the cluster-wide
/// <see cref="Delivery.Shaping.SendThrottle"/> of the site, which every domain hosted there shares.
/// Not persistent: after a restart nothing is in flight. It lives inside the DomainQueue actor and runs on its
/// thread, because taking due work and leasing it must happen in the same turn as the decisions that persist
/// the outcome; a separate actor would have to mirror the due index across messages.
/// </summary>
internal sealed class ReadyQueue
{
    /// <summary>The timer message that lets parked connections go; the owner hands it to <see cref="ReleaseParked"/>.</summary>
    public sealed record ReleaseParkedTick
    {
        public static readonly ReleaseParkedTick Instance = new();
    }

    private const string ReleaseParkedTimer = "release-parked";

    private readonly string _queueName;
    private readonly DomainThrottle _throttle;
    private readonly DeliverySettings _settings;
    private readonly IContentStore _content;
    private readonly DomainQueueState _state;
    private readonly Func<QueuedDelivery, DateTimeOffset, bool> _mayTake;
    private readonly IActorContext _context;
    private readonly ITimerScheduler _timers;
    private readonly TokenBucket _bucket;
    private readonly SitePermits? _permits;
    private readonly Dictionary<IActorRef, HashSet<string>> _agents = new();
    private readonly Dictionary<string, IActorRef> _holders = new(StringComparer.Ordinal);

    /// <summary>Agents with an open, idle connection that asked for more mail when none was due, and since when.</summary>
    private readonly Dictionary<IActorRef, (int Capacity, DateTimeOffset Since)> _parked = new();

    /// <summary>Where the latest lookup said the domain's mail goes.</summary>
    private IReadOnlyList<DeliveryTarget>? _targets;

    /// <param name="mayTake">False for a due message that must not be sent (it expired and waits for its bounce).</param>
    public ReadyQueue(
        string queueName, DomainThrottle throttle, DeliverySettings settings, IContentStore content, DomainQueueState state,
        Func<QueuedDelivery, DateTimeOffset, bool> mayTake, IActorContext context, ITimerScheduler timers, DateTimeOffset now, SitePermits? permits = null)
    {
        _permits = permits;
        _queueName = queueName;
        _throttle = throttle;
        _settings = settings;
        _content = content;
        _state = state;
        _mayTake = mayTake;
        _context = context;
        _timers = timers;
        _bucket = new TokenBucket(throttle.MaxMessagesPerMinute, now);
    }

    /// <summary>The site of the latest lookup, when shaping is enforced.</summary>
    public string? Site => _permits?.Site;

    /// <summary>Open (or opening) connections.</summary>
    public int Connections => _agents.Count;

    public bool HasRoom => _agents.Count < MaxConnections;

    private int MaxConnections => _permits?.Shaping is { } shaping ? Math.Min(_throttle.MaxConnections, shaping.ConnectionLimit.Value) : _throttle.MaxConnections;

    private int MessagesPerConnection => _permits?.Shaping is { } shaping
        ? Math.Min(_throttle.MaxMessagesPerConnection, shaping.MessagesPerConnection.Value)
        : _throttle.MaxMessagesPerConnection;

    /// <summary>Until when the destination is left alone after it refused or broke sessions.</summary>
    public DateTimeOffset BackoffUntil { get; private set; } = DateTimeOffset.MinValue;

    public void BackOff(DateTimeOffset now) => BackoffUntil = now + _settings.DomainBackoff;

    public void EndBackoff() => BackoffUntil = DateTimeOffset.MinValue;

    /// <summary>Opens connections to <paramref name="targets"/> for due mail, up to max-connections.</summary>
    public void Start(IReadOnlyList<DeliveryTarget> targets, DateTimeOffset now)
    {
        _targets = targets;
        if (_permits is not null)
        {
            // Connections come from the site's throttle; OnPermits opens them.
            _permits.Target(targets);
            if (!HasRoom || _permits.Asking(now)) return;
            var perConnection = MessagesPerConnection;
            var room = MaxConnections - _agents.Count;
            var due = _state.DueAt(now).Where(e => _mayTake(e, now)).Take(room * perConnection).Count();
            if (due > 0) _permits.Ask((due + perConnection - 1) / perConnection, due, now);
            return;
        }
        while (HasRoom)
        {
            var items = TakeDue(MessagesPerConnection, now);
            if (items.Count == 0) break;
            StartAgent(targets, items);
        }
    }

    /// <summary>
    /// The site's throttle answered: opens the connections it granted for due mail (when the queue may send, and
    /// within the domain's own limit), gives back those it cannot use, and serves parked connections with the
    /// messages granted. Returns when to ask again, when the throttle granted less than asked for a rate.
    /// </summary>
    public DateTimeOffset? OnPermits(SendPermits permits, bool mayStart, DateTimeOffset now)
    {
        if (_permits is null) return null;
        var granted = _permits.Accept(permits, now);
        var opened = 0;
        while (mayStart && opened < granted && HasRoom && _targets is { } targets)
        {
            var items = TakeDue(MessagesPerConnection, now);
            if (items.Count == 0) break;
            _permits.Bind(StartAgent(targets, items));
            opened++;
        }
        _permits.GiveBack(granted - opened);
        if (mayStart) ServeParked(now);
        return permits.RetryAfter > TimeSpan.Zero ? now + permits.RetryAfter : null;
    }

    private IActorRef StartAgent(IReadOnlyList<DeliveryTarget> targets, IReadOnlyList<OutboundItem> items)
    {
        var job = new DeliveryJob(_queueName, targets, items) { MaxMessages = MessagesPerConnection };
        var agent = _context.ActorOf(DeliveryAgent.Props(job, _settings, _content));
        _context.Watch(agent);
        _agents[agent] = new HashSet<string>(StringComparer.Ordinal);
        Lease(items, agent);
        return agent;
    }

    /// <summary>
    /// An agent with an idle session wants more: hand it due mail. When nothing is due (and the queue may send),
    /// the connection is parked for mail that arrives in the next moments instead of a QUIT now and a connect then.
    /// </summary>
    public void GiveMoreWork(MoreWork more, IActorRef agent, bool queueMaySend, DateTimeOffset now)
    {
        IReadOnlyList<OutboundItem> items = [];
        var mayDeliver = _agents.ContainsKey(agent) && queueMaySend && BackoffUntil <= now;
        if (mayDeliver) items = TakeDue(more.Capacity, now);
        if (items.Count == 0 && mayDeliver && _settings.ConnectionIdleTime > TimeSpan.Zero)
        {
            _parked[agent] = (more.Capacity, now);
            if (!_timers.IsTimerActive(ReleaseParkedTimer))
                _timers.StartSingleTimer(ReleaseParkedTimer, ReleaseParkedTick.Instance, _settings.ConnectionIdleTime);
            return;
        }
        Lease(items, agent);
        agent.Tell(new MoreMessages(items));
    }

    /// <summary>Hands due mail to parked agents first: their connections are already open. The caller has ruled
    /// out suspension and domain backoff.</summary>
    public void ServeParked(DateTimeOffset now)
    {
        foreach (var (agent, (capacity, _)) in _parked.ToList())
        {
            var items = TakeDue(capacity, now);
            if (items.Count == 0) return;
            _parked.Remove(agent);
            Lease(items, agent);
            agent.Tell(new MoreMessages(items));
        }
    }

    /// <summary>Tells parked agents there is nothing (they QUIT): those idle for connection-idle-time, or all of them.</summary>
    public void ReleaseParked(bool all, DateTimeOffset now)
    {
        if (_parked.Count == 0) return;
        var idle = _settings.ConnectionIdleTime;
        foreach (var (agent, (_, since)) in _parked.ToList())
        {
            if (!all && now - since < idle) continue;
            _parked.Remove(agent);
            agent.Tell(new MoreMessages([]));
        }
        if (_parked.Count > 0)
            _timers.StartSingleTimer(ReleaseParkedTimer, ReleaseParkedTick.Instance, idle);
    }

    /// <summary>What the site answered (for automation, when shaping is enforced).</summary>
    public void SiteReplied(IEnumerable<SmtpReply> replies) => _permits?.Report(replies);

    /// <summary>
    /// The site's throttle says others wait for a connection: parked connections go (QUIT) when this queue has
    /// nothing due. With mail due they are parked for the site's message rate, not idle, and stay.
    /// </summary>
    public void ReleaseIdle(DateTimeOffset now)
    {
        if (_parked.Count > 0 && !_state.DueAt(now).Any(e => _mayTake(e, now))) ReleaseParked(all: true, now);
    }

    /// <summary>An agent reported a message: it is no longer in flight.</summary>
    public void Reported(string queueId)
    {
        if (_holders.Remove(queueId, out var agent) && _agents.TryGetValue(agent, out var held)) held.Remove(queueId);
        _state.EndLease(queueId);
    }

    /// <summary>
    /// The agent ended (its final report, or it stopped). Messages it still held go back to the due index untried.
    /// True when it was one of ours and had not reported its end: it failed, and the domain backs off.
    /// </summary>
    public bool Ended(IActorRef agent)
    {
        _parked.Remove(agent);
        _permits?.Ended(agent);
        if (!_agents.Remove(agent, out var held)) return false;
        foreach (var id in held)
        {
            _holders.Remove(id);
            _state.EndLease(id);
        }
        return true;
    }

    /// <summary>When more due mail may be started: the next token, if the per-minute budget is spent and a connection is free.</summary>
    public DateTimeOffset? NextTokenAt(DateTimeOffset now) =>
        HasRoom && !_bucket.Unlimited ? _bucket.NextTokenAt(now) : null;

    /// <summary>Up to <paramref name="max"/> due messages nobody is delivering, within the per-minute budget.</summary>
    private IReadOnlyList<OutboundItem> TakeDue(int max, DateTimeOffset now)
    {
        var candidates = _state.DueAt(now).Where(e => _mayTake(e, now)).Take(max).ToList();
        if (candidates.Count == 0) return [];
        if (_permits is not null)
        {
            var permitted = _permits.MessagesLeft(now);
            if (permitted < candidates.Count)
            {
                // The site's message rate: ask for more, for connections that are open (or about to be).
                _permits.Ask(0, candidates.Count - permitted, now);
                candidates.RemoveRange(permitted, candidates.Count - permitted);
            }
            if (candidates.Count == 0) return [];
        }
        var granted = _bucket.Take(candidates.Count, now);
        _permits?.Spend(granted);
        return candidates.Take(granted)
            .Select(e => new OutboundItem(e.QueueId, e.ContentRef, e.ReversePath, e.Recipients, e.Size, e.Traits) { Dsn = e.Dsn, RecipientDsn = e.RecipientDsn })
            .ToArray();
    }

    private void Lease(IReadOnlyList<OutboundItem> items, IActorRef agent)
    {
        if (items.Count == 0) return;
        var held = _agents[agent];
        foreach (var item in items)
        {
            _state.Lease(item.QueueId);
            _holders[item.QueueId] = agent;
            held.Add(item.QueueId);
        }
    }
}
