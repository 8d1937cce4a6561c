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
/// <see cref="Delivery.Shaping.SendThrottle"/> of the (source, site), which every domain hosted there shares.
/// Each due message is given an egress source of its pool (actormta.egress) by weighted round robin when it is first
/// looked at for an attempt; a connection binds to one source and carries only messages given that source, so the
/// pool's weights hold per message, whatever the connections' lengths.
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
    private readonly Func<string, SitePermits>? _newPermits;
    private readonly EgressSettings _egress;
    private readonly Dictionary<string, SitePermits> _permits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WeightedRoundRobin<EgressSource>> _rotations = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The source each due (or leased) message goes out from; dropped when its attempt ends, so a retry picks again.</summary>
    private readonly Dictionary<string, EgressSource> _sourceOf = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, EgressSource> _agentSource = new();

    /// <summary>Messages handed to each agent so far, so that a lowered messages-per-connection holds on open connections too.</summary>
    private readonly Dictionary<IActorRef, int> _handedOut = new();

    /// <summary>The message rate of the domain's own shaping entry (actormta.shaping.domains), which the site's
    /// throttle does not hold because it serves every domain of the site; null without one.</summary>
    private RateBucket? _domainRate;
    private readonly Dictionary<IActorRef, HashSet<string>> _agents = new();
    private readonly Dictionary<string, IActorRef> _holders = new(StringComparer.Ordinal);

    /// <summary>Agents with an open, idle connection that asked for more mail when none was due, and since when.</summary>
    private readonly Dictionary<IActorRef, (int Capacity, DateTimeOffset Since)> _parked = new();

    /// <summary>Where the latest lookup said the domain's mail goes.</summary>
    private IReadOnlyList<DeliveryTarget>? _targets;

    /// <param name="mayTake">False for a due message that must not be sent (it expired and waits for its bounce).</param>
    /// <param name="egress">The pools messages name and their sources; null: the default source only.</param>
    /// <param name="newPermits">Makes the <see cref="SitePermits"/> of a source (null: shaping is not enforced).</param>
    public ReadyQueue(
        string queueName, DomainThrottle throttle, DeliverySettings settings, IContentStore content, DomainQueueState state,
        Func<QueuedDelivery, DateTimeOffset, bool> mayTake, IActorContext context, ITimerScheduler timers, DateTimeOffset now,
        EgressSettings? egress = null, Func<string, SitePermits>? newPermits = null)
    {
        _newPermits = newPermits;
        _egress = egress ?? EgressSettings.DefaultOnly(settings.HeloName);
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
    public string? Site => _permits.Values.Select(p => p.Site).FirstOrDefault(s => s is not null);

    /// <summary>The provider (actormta.shaping.providers) of that site; null when none matches or before a lookup.</summary>
    public string? Provider => _permits.Values.Select(p => p.Shaping?.Provider).FirstOrDefault(p => p is not null);

    /// <summary>The egress source an agent's connection is from (null: not one of ours).</summary>
    public string? SourceOf(IActorRef agent) => _agentSource.TryGetValue(agent, out var source) ? source.Name : null;

    /// <summary>Open (or opening) connections.</summary>
    public int Connections => _agents.Count;

    public bool HasRoom => _agents.Count < MaxConnections;

    private bool Shaped => _newPermits is not null;

    // The domain's own limit, and the site's per source: each source the queue sends from has its own connections.
    private int MaxConnections
    {
        get
        {
            // Asked on every hand-out: a loop, not a query that allocates.
            int? sites = null;
            foreach (var permits in _permits.Values)
                if (permits.Shaping is { } shaping) sites = (sites ?? 0) + shaping.ConnectionLimit.Value;
            return sites is { } limit ? Math.Min(_throttle.MaxConnections, limit) : _throttle.MaxConnections;
        }
    }

    private int MessagesPerConnection(EgressSource source)
    {
        if (PermitsOf(source) is not { Shaping: { } shaping } permits) return _throttle.MaxMessagesPerConnection;
        var limit = Math.Min(_throttle.MaxMessagesPerConnection, shaping.MessagesPerConnection.Value);
        return permits.MessagesPerConnectionCap > 0 ? Math.Min(limit, permits.MessagesPerConnectionCap) : limit;
    }

    /// <summary>How long an idle connection from <paramref name="source"/> is kept open: the shaping entry's
    /// idle-timeout (which defaults to delivery.connection-idle-time), else delivery.connection-idle-time.</summary>
    private TimeSpan IdleTime(EgressSource source) =>
        PermitsOf(source)?.Shaping is { } shaping ? shaping.IdleTimeout.Value : _settings.ConnectionIdleTime;

    /// <summary>What an agent may still be handed on its connection, of the <paramref name="wanted"/> it asks for.</summary>
    private int RoomOn(IActorRef agent, EgressSource source, int wanted) =>
        Math.Max(0, Math.Min(wanted, MessagesPerConnection(source) - _handedOut.GetValueOrDefault(agent)));

    /// <summary>The permits of a source, made on first use (null when shaping is not enforced).</summary>
    private SitePermits? PermitsOf(EgressSource source)
    {
        if (_newPermits is null) return null;
        if (!_permits.TryGetValue(source.Name, out var permits))
        {
            permits = _newPermits(source.Name);
            if (_targets is { } targets) permits.Target(targets);
            _permits[source.Name] = permits;
        }
        return permits;
    }

    /// <summary>The source a due message goes out from: picked by its pool's weighted round robin when first asked.</summary>
    private EgressSource SourceOf(QueuedDelivery entry)
    {
        if (_sourceOf.TryGetValue(entry.QueueId, out var source)) return source;
        var pool = _egress.PoolNamed(entry.Pool);
        if (!_rotations.TryGetValue(pool.Name, out var rotation)) _rotations[pool.Name] = rotation = pool.Rotation();
        return _sourceOf[entry.QueueId] = rotation.Next();
    }

    /// <summary>Due messages that may go now, in due order, with their sources.</summary>
    private IEnumerable<(QueuedDelivery Entry, EgressSource Source)> DueWithSources(DateTimeOffset now) =>
        _state.DueAt(now).Where(e => _mayTake(e, now)).Select(e => (e, SourceOf(e)));

    /// <summary>Until when the destination is left alone after it refused or broke sessions.</summary>
    public DateTimeOffset BackoffUntil { get; private set; } = DateTimeOffset.MinValue;

    public void BackOff(DateTimeOffset now) => BackoffUntil = now + _settings.DomainBackoff;

    public void EndBackoff() => BackoffUntil = DateTimeOffset.MinValue;

    /// <summary>Opens connections to <paramref name="targets"/> for due mail, up to max-connections.</summary>
    public void Start(IReadOnlyList<DeliveryTarget> targets, DateTimeOffset now)
    {
        _targets = targets;
        ForgetStaleSources();
        if (Shaped)
        {
            // Connections come from each source's throttle for the site; OnPermits opens them.
            foreach (var permits in _permits.Values) permits.Target(targets);
            if (!HasRoom) return;
            // The sources of the due mail first: their permits (made now if new) say how many connections there may be.
            var wanted = DueWithSources(now).Take(_throttle.MaxConnections * _throttle.MaxMessagesPerConnection)
                .GroupBy(d => d.Source).Select(g => (Source: g.Key, Permits: PermitsOf(g.Key)!, Due: g.Count())).ToList();
            UpdateDomainRate(now);
            var room = MaxConnections - _agents.Count;
            foreach (var (source, permits, due) in wanted)
            {
                if (room <= 0 || permits.Asking(now)) continue;
                var per = MessagesPerConnection(source);
                permits.Ask(Math.Min(room, (due + per - 1) / per), due, now);
            }
            return;
        }
        while (HasRoom && DueWithSources(now).Select(d => d.Source).FirstOrDefault() is { } source)
        {
            var items = TakeDue(MessagesPerConnection(source), source, now);
            if (items.Count == 0) break;
            StartAgent(targets, items, source);
        }
    }

    /// <summary>A domain entry's message-rate is this queue's to keep (per partition when the domain has several).</summary>
    private void UpdateDomainRate(DateTimeOffset now)
    {
        var rate = _permits.Values.Select(p => p.Shaping).OfType<EffectiveShaping>()
            .FirstOrDefault(s => s.MessageRate.Origin == ShapingOrigin.Domain)?.MessageRate.Value;
        if (rate is null || rate.Value.IsUnlimited) _domainRate = null;
        else if (_domainRate?.Rate != rate) _domainRate = new RateBucket(rate.Value, now);
    }

    /// <summary>Sources noted for messages that have since left the queue (expired, deleted, bounced) go.</summary>
    private void ForgetStaleSources()
    {
        if (_sourceOf.Count < 1024 || _sourceOf.Count < 2 * _state.Pending) return;
        foreach (var id in _sourceOf.Keys.Where(id => _state.Find(id) is null).ToList()) _sourceOf.Remove(id);
    }

    /// <summary>
    /// The site's throttle answered: opens the connections it granted for due mail (when the queue may send, and
    /// within the domain's own limit), gives back those it cannot use, and serves parked connections with the
    /// messages granted. Returns when to ask again, when the throttle granted less than asked for a rate.
    /// </summary>
    public DateTimeOffset? OnPermits(SendPermits permits, bool mayStart, DateTimeOffset now)
    {
        if (!Shaped) return null;
        var source = _egress.Sources.GetValueOrDefault(SendThrottleKey.Parse(permits.ThrottleKey).Source) ?? _egress.Sources[EgressSource.DefaultName];
        var sitePermits = PermitsOf(source)!;
        // A grant for a source that is no longer configured, or for an older site, is given back whole by Accept.
        var granted = sitePermits.Accept(permits, now);
        var opened = 0;
        while (mayStart && opened < granted && HasRoom && _targets is { } targets)
        {
            var items = TakeDue(MessagesPerConnection(source), source, now);
            if (items.Count == 0) break;
            sitePermits.Bind(StartAgent(targets, items, source));
            opened++;
        }
        sitePermits.GiveBack(granted - opened);
        if (mayStart) ServeParked(now);
        return permits.RetryAfter > TimeSpan.Zero ? now + permits.RetryAfter : null;
    }

    private IActorRef StartAgent(IReadOnlyList<DeliveryTarget> targets, IReadOnlyList<OutboundItem> items, EgressSource source)
    {
        var job = new DeliveryJob(_queueName, targets, items)
        {
            MaxMessages = MessagesPerConnection(source),
            // The default source is the delivery settings' own (no bind, the delivery EHLO name).
            Source = source.Name == EgressSource.DefaultName ? null : source,
            StartTls = PermitsOf(source)?.Shaping?.Tls.Value,
        };
        var agent = _context.ActorOf(DeliveryAgent.Props(job, _settings, _content));
        _context.Watch(agent);
        _agents[agent] = new HashSet<string>(StringComparer.Ordinal);
        _agentSource[agent] = source;
        _handedOut[agent] = 0;
        Observability.MtaMetrics.OutboundOpened();
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
        var mayDeliver = _agentSource.TryGetValue(agent, out var source) && queueMaySend && BackoffUntil <= now;
        // A connection that has carried its messages-per-connection (perhaps lowered meanwhile) gets nothing: it QUITs.
        var room = mayDeliver ? RoomOn(agent, source!, more.Capacity) : 0;
        if (room > 0) items = TakeDue(room, source!, now);
        if (items.Count == 0 && room > 0 && IdleTime(source!) > TimeSpan.Zero)
        {
            _parked[agent] = (more.Capacity, now);
            if (!_timers.IsTimerActive(ReleaseParkedTimer))
                _timers.StartSingleTimer(ReleaseParkedTimer, ReleaseParkedTick.Instance, IdleTime(source!));
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
            if (!_agentSource.TryGetValue(agent, out var source)) continue;
            var room = RoomOn(agent, source, capacity);
            var items = room > 0 ? TakeDue(room, source, now) : [];
            if (items.Count == 0 && room > 0) continue;
            _parked.Remove(agent);
            Lease(items, agent);
            agent.Tell(new MoreMessages(items));
        }
    }

    /// <summary>Tells parked agents there is nothing (they QUIT): those idle for connection-idle-time, or all of them.</summary>
    public void ReleaseParked(bool all, DateTimeOffset now)
    {
        if (_parked.Count == 0) return;
        var next = TimeSpan.MaxValue;
        foreach (var (agent, (_, since)) in _parked.ToList())
        {
            var idle = _agentSource.TryGetValue(agent, out var source) ? IdleTime(source) : TimeSpan.Zero;
            if (!all && now - since < idle)
            {
                if (idle - (now - since) < next) next = idle - (now - since);
                continue;
            }
            _parked.Remove(agent);
            agent.Tell(new MoreMessages([]));
        }
        if (_parked.Count > 0)
            _timers.StartSingleTimer(ReleaseParkedTimer, ReleaseParkedTick.Instance, next < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : next);
    }

    /// <summary>What the site answered an agent (for automation of its source, when shaping is enforced).</summary>
    public void SiteReplied(IActorRef agent, IEnumerable<SmtpReply> replies)
    {
        if (_agentSource.TryGetValue(agent, out var source)) PermitsOf(source)?.Report(replies);
    }

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
        _sourceOf.Remove(queueId);
    }

    /// <summary>
    /// The agent ended (its final report, or it stopped). Messages it still held go back to the due index untried.
    /// True when it was one of ours and had not reported its end: it failed, and the domain backs off.
    /// </summary>
    public bool Ended(IActorRef agent)
    {
        _parked.Remove(agent);
        _handedOut.Remove(agent);
        if (_agentSource.Remove(agent, out var source) && _permits.TryGetValue(source.Name, out var permits)) permits.Ended(agent);
        if (!_agents.Remove(agent, out var held)) return false;
        Observability.MtaMetrics.OutboundClosed();
        foreach (var id in held)
        {
            _holders.Remove(id);
            _state.EndLease(id);
            _sourceOf.Remove(id);
        }
        return true;
    }

    /// <summary>When more due mail may be started: the next token, if the per-minute budget is spent and a connection is free.</summary>
    public DateTimeOffset? NextTokenAt(DateTimeOffset now)
    {
        if (!HasRoom) return null;
        DateTimeOffset? at = _bucket.Unlimited ? null : _bucket.NextTokenAt(now);
        // Only an exhausted domain rate adds a wake-up: one with tokens left is not what holds the mail back.
        if (_domainRate?.UntilNextToken(now) is { } wait && wait > TimeSpan.Zero && (at is null || now + wait > at)) at = now + wait;
        return at;
    }

    /// <summary>Up to <paramref name="max"/> due messages for <paramref name="source"/> nobody is delivering, within
    /// the per-minute budget and the site's message permits.</summary>
    private IReadOnlyList<OutboundItem> TakeDue(int max, EgressSource source, DateTimeOffset now)
    {
        var candidates = DueWithSources(now).Where(d => d.Source == source).Select(d => d.Entry).Take(max).ToList();
        if (candidates.Count == 0) return [];
        var permits = PermitsOf(source);
        if (permits is not null)
        {
            var permitted = permits.MessagesLeft(now);
            if (permitted < candidates.Count)
            {
                // The site's message rate: ask for more, for connections that are open (or about to be).
                permits.Ask(0, candidates.Count - permitted, now);
                candidates.RemoveRange(permitted, candidates.Count - permitted);
            }
            if (candidates.Count == 0) return [];
        }
        var wanted = _domainRate?.Take(candidates.Count, now) ?? candidates.Count;
        var granted = _bucket.Take(wanted, now);
        if (granted < wanted) _domainRate?.Return(wanted - granted);
        permits?.Spend(granted);
        return candidates.Take(granted)
            .Select(e => new OutboundItem(e.QueueId, e.ContentRef, e.ReversePath, e.Recipients, e.Size, e.Traits) { Dsn = e.Dsn, RecipientDsn = e.RecipientDsn, Tenant = e.Tags.Tenant })
            .ToArray();
    }

    private void Lease(IReadOnlyList<OutboundItem> items, IActorRef agent)
    {
        if (items.Count == 0) return;
        var held = _agents[agent];
        _handedOut[agent] = _handedOut.GetValueOrDefault(agent) + items.Count;
        foreach (var item in items)
        {
            _state.Lease(item.QueueId);
            _holders[item.QueueId] = agent;
            held.Add(item.QueueId);
        }
    }
}
