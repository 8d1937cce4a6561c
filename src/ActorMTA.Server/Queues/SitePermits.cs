using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using Akka.Actor;

namespace ActorMTA.Server.Queues;

/// <summary>
/// A ready queue's side of the <see cref="SendThrottle"/> of the site its domain's mail goes to: which site and
/// limits apply (actormta.shaping, resolved from the MX hosts of the latest lookup), which of the queue's delivery
/// agents hold a connection permit, and the message permits granted and not yet spent. It asks one request at a
/// time, so each request's count of held connections includes every grant before it. Runs on the queue's thread.
/// </summary>
public sealed class SitePermits
{
    /// <summary>Message permits are for now: kept longer, they would add up to a burst the rate never allowed.
    /// A grant that joins unspent permits does not extend their life; they all go with the oldest.</summary>
    private static readonly TimeSpan MessagePermitLifetime = TimeSpan.FromMilliseconds(100);

    /// <summary>A request unanswered this long was lost (its entity moved with a node that died): ask again.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly string _domain;
    private readonly string _source;
    private readonly ShapingResolver _resolver;
    private readonly IActorRef _throttles;
    private readonly IActorRef _self;
    private readonly Dictionary<IActorRef, (string Key, string Site)> _agents = new();
    private SendLimits? _limits;
    private int _messages;
    private DateTimeOffset _messagesGranted;
    private long _request;

    /// <summary>Connections of the latest grant not yet bound to an agent or given back: held all the same, so a
    /// request sent meanwhile (for messages) counts them.</summary>
    private int _unbound;
    private DateTimeOffset? _askedAt;

    public SitePermits(string domain, string source, ShapingResolver resolver, IActorRef throttles, IActorRef self)
    {
        _domain = domain;
        _source = source;
        _resolver = resolver;
        _throttles = throttles;
        _self = self;
    }

    /// <summary>The limits for this domain over the current site, its own entry included (null before the first lookup).</summary>
    public EffectiveShaping? Shaping { get; private set; }

    public string? Key { get; private set; }

    public string? Site => Shaping?.Site.Name;

    /// <summary>The messages-per-connection cap of an automation action, as of the latest grant; 0: none.</summary>
    public int MessagesPerConnectionCap { get; private set; }

    /// <summary>Takes the site from the targets of a lookup (their host names, which for a route is its host).</summary>
    public void Target(IReadOnlyList<DeliveryTarget> targets)
    {
        var site = SiteKey.From(targets.Select(t => t.HostName));
        if (Shaping?.Site == site) return;
        Shaping = _resolver.Resolve(_domain, site, _source);
        var siteWide = _resolver.Resolve("", site, _source);
        _limits = SendLimits.Of(siteWide);
        Key = SendThrottleKey.For(_source, siteWide.Provider, site).ToString();
        MessagesPerConnectionCap = 0;
    }

    /// <summary>
    /// Passes the site's replies that an automation rule matches on to the throttle, which acts on them for every
    /// node; the rest (most deferrals and bounces) stay here. Each distinct reply once per call.
    /// </summary>
    public void Report(IEnumerable<SmtpReply> replies)
    {
        if (Key is null || Site is null || _resolver.Settings.Automation.Rules.Count == 0) return;
        foreach (var reply in replies.Where(r => r.Code >= 400).Distinct())
        {
            if (_resolver.Settings.Automation.Match(reply, Shaping!.Provider).Count > 0)
                _throttles.Tell(new ReportSiteReply(Key, Site, reply), _self);
        }
    }

    public bool Asking(DateTimeOffset now) => _askedAt is { } at && now - at < AnswerTimeout;

    /// <summary>Connections to the current site held by this queue's agents.</summary>
    private int Held => _agents.Values.Count(a => a.Key == Key && a.Site == Site) + _unbound;

    /// <summary>Asks for new connections and messages, unless a request is out already.</summary>
    public void Ask(int connections, int messages, DateTimeOffset now)
    {
        if (Asking(now) || Key is null || Site is null || _limits is null) return;
        if (connections <= 0 && (messages <= 0 || Held == 0)) return;
        _askedAt = now;
        _throttles.Tell(new AcquireSendPermits(Key, Site, _limits, Held, Math.Max(0, connections), Math.Max(0, messages), ++_request), _self);
    }

    /// <summary>
    /// Takes a grant in: its messages join the unspent ones; returns the connections it granted, which the caller
    /// binds to agents (<see cref="Bind"/>) or gives back (<see cref="GiveBack"/>). A grant for an older request or
    /// another site is given back whole.
    /// </summary>
    public int Accept(SendPermits permits, DateTimeOffset now)
    {
        if (permits.RequestId == _request) _askedAt = null;
        if (permits.ThrottleKey == Key && permits.Site == Site) MessagesPerConnectionCap = permits.MessagesPerConnection;
        if (permits.RequestId != _request || permits.ThrottleKey != Key || permits.Site != Site)
        {
            if (permits.Connections > 0) _throttles.Tell(new ReleaseConnections(permits.ThrottleKey, permits.Site, permits.Connections), _self);
            return 0;
        }
        if (permits.Messages > 0)
        {
            var left = MessagesLeft(now);
            if (left == 0) _messagesGranted = now;
            _messages = left + permits.Messages;
        }
        _unbound += permits.Connections;
        return permits.Connections;
    }

    /// <summary>Message permits left to spend now.</summary>
    public int MessagesLeft(DateTimeOffset now)
    {
        if (now - _messagesGranted > MessagePermitLifetime) _messages = 0;
        return _messages;
    }

    public void Spend(int messages) => _messages = Math.Max(0, _messages - messages);

    /// <summary>A granted connection is now the agent's.</summary>
    public void Bind(IActorRef agent)
    {
        _agents[agent] = (Key!, Site!);
        _unbound--;
    }

    /// <summary>Granted connections the queue did not open (no mail left for them).</summary>
    public void GiveBack(int connections)
    {
        if (connections <= 0) return;
        _unbound -= connections;
        _throttles.Tell(new ReleaseConnections(Key!, Site!, connections), _self);
    }

    /// <summary>The agent's connection closed (or it never opened): its permit goes back.</summary>
    public void Ended(IActorRef agent)
    {
        if (_agents.Remove(agent, out var held)) _throttles.Tell(new ReleaseConnections(held.Key, held.Site, 1), _self);
    }
}
