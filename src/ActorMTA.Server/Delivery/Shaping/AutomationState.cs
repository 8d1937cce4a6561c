using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The automation actions in force, per (source, site or provider): added when a reply matches a rule (or by an
/// operator), applied over the configured limits (lowering only), dropped when they expire or are cancelled.
/// Pure and deterministic given its clock; not thread-safe (owned by one actor, like <see cref="TokenBucket"/>).
/// </summary>
public sealed class AutomationState(AutomationRules rules, TimeProvider clock)
{
    private readonly List<ActiveAutomation> _active = [];
    private long _nextId = 1;

    public AutomationRules Rules { get; } = rules;

    /// <summary>
    /// Acts on a reply from <paramref name="site"/> (of <paramref name="provider"/>, or none) to mail sent from
    /// <paramref name="source"/>: every matching rule starts its actions, and returns them. A rule that fires again
    /// while its action is still in force extends that action instead of adding another, so a burst of deferrals
    /// leaves one entry to read in `ctl`.
    /// </summary>
    public IReadOnlyList<ActiveAutomation> OnReply(string source, SiteKey site, string? provider, SmtpReply reply)
    {
        var now = clock.GetUtcNow();
        Expire(now);
        var started = new List<ActiveAutomation>();
        foreach (var rule in Rules.Match(reply, provider))
        {
            // A provider-wide rule for a site of no known provider can only hold back the site that answered.
            var (scope, target) = rule.Scope == AutomationScope.Provider && provider is not null
                ? (AutomationScope.Provider, provider)
                : (AutomationScope.Site, site.Name);
            var reason = $"{rule.Name}: {reply}";
            foreach (var action in rule.Actions)
                started.Add(Put(source, scope, target, action, now, now + rule.Duration, reason));
        }
        return started;
    }

    /// <summary>An operator's action (`ctl site suspend SITE --for 1h`): the same bookkeeping as a rule's, so it expires and cancels alike.</summary>
    public ActiveAutomation Impose(string source, AutomationScope scope, string target, AutomationAction action, TimeSpan duration, string reason)
    {
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "an action must last a while");
        var now = clock.GetUtcNow();
        Expire(now);
        return Put(source, scope, target, action, now, now + duration, reason);
    }

    /// <summary>The actions in force, oldest first.</summary>
    public IReadOnlyList<ActiveAutomation> Active()
    {
        Expire(clock.GetUtcNow());
        return _active.ToArray();
    }

    /// <summary>Ends an action before its time; false when there is none of that id (unknown, expired or already cancelled).</summary>
    public bool Cancel(long id)
    {
        Expire(clock.GetUtcNow());
        return _active.RemoveAll(a => a.Id == id) > 0;
    }

    /// <summary>When the next action ends, so the owning actor can schedule one timer instead of polling.</summary>
    public DateTimeOffset? NextExpiry()
    {
        Expire(clock.GetUtcNow());
        return _active.Count == 0 ? null : _active.Min(a => a.Until);
    }

    /// <summary>
    /// The configured limits with the actions in force for (source, site, provider) laid over them. An action
    /// only ever lowers a limit; when two actions lower the same one, the lower value wins.
    /// </summary>
    public EffectiveShaping Apply(EffectiveShaping shaping)
    {
        Expire(clock.GetUtcNow());
        return Apply(shaping, _active);
    }

    /// <summary>As <see cref="Apply(EffectiveShaping)"/>, with actions another node's throttle reported.</summary>
    public static EffectiveShaping Apply(EffectiveShaping shaping, IEnumerable<ActiveAutomation> active)
    {
        var result = shaping;
        var applied = new List<ActiveAutomation>();
        foreach (var a in active.Where(a => a.AppliesTo(shaping.Source, shaping.Site, shaping.Provider)))
        {
            var before = result;
            result = a.Action switch
            {
                AutomationAction.Suspend => result with { SuspendedUntil = Later(result.SuspendedUntil, a.Until) },
                AutomationAction.MessageRate m when m.Rate.IsSlowerThan(result.MessageRate.Value) =>
                    result with { MessageRate = new(m.Rate, ShapingOrigin.Automation) },
                AutomationAction.ConnectionRate c when c.Rate.IsSlowerThan(result.ConnectionRate.Value) =>
                    result with { ConnectionRate = new(c.Rate, ShapingOrigin.Automation) },
                AutomationAction.ConnectionLimit c when c.Limit < result.ConnectionLimit.Value =>
                    result with { ConnectionLimit = new(c.Limit, ShapingOrigin.Automation) },
                AutomationAction.MessagesPerConnection m when m.Limit < result.MessagesPerConnection.Value =>
                    result with { MessagesPerConnection = new(m.Limit, ShapingOrigin.Automation) },
                _ => result,
            };
            if (!ReferenceEquals(before, result)) applied.Add(a);
        }
        return applied.Count == 0 ? shaping : result with { Automation = applied };
    }

    /// <summary>
    /// The limits a send throttle enforces for (source, site, provider), lowered by the actions in force, and until
    /// when the site is suspended (null: it is not). Messages per connection are the ready queue's, not lowered here.
    /// </summary>
    public SendLimits Apply(SendLimits limits, string source, SiteKey site, string? provider, out DateTimeOffset? suspendedUntil)
    {
        suspendedUntil = null;
        if (_active.Count == 0) return limits;
        Expire(clock.GetUtcNow());
        var result = limits;
        foreach (var a in _active.Where(a => a.AppliesTo(source, site, provider)))
        {
            switch (a.Action)
            {
                case AutomationAction.Suspend:
                    suspendedUntil = Later(suspendedUntil, a.Until);
                    break;
                case AutomationAction.MessageRate m when m.Rate.IsSlowerThan(result.MessageRate):
                    result = result with { MessageRate = m.Rate };
                    break;
                case AutomationAction.ConnectionRate c when c.Rate.IsSlowerThan(result.ConnectionRate):
                    result = result with { ConnectionRate = c.Rate };
                    break;
                case AutomationAction.ConnectionLimit c when c.Limit < result.ConnectionLimit:
                    result = result with { ConnectionLimit = c.Limit };
                    break;
            }
        }
        return result;
    }

    /// <summary>The lowest messages-per-connection action in force for (source, site, provider); 0 when there is none.
    /// The ready queues apply it, to their open connections too.</summary>
    public int MessagesPerConnection(string source, SiteKey site, string? provider)
    {
        if (_active.Count == 0) return 0;
        Expire(clock.GetUtcNow());
        return _active.Where(a => a.AppliesTo(source, site, provider)).Select(a => a.Action).OfType<AutomationAction.MessagesPerConnection>()
            .Select(m => m.Limit).DefaultIfEmpty(0).Min();
    }

    /// <summary>Ends every action for <paramref name="target"/> (a site key or a provider name); returns how many.</summary>
    public int CancelFor(string target)
    {
        Expire(clock.GetUtcNow());
        return _active.RemoveAll(a => a.Target == target);
    }

    private ActiveAutomation Put(string source, AutomationScope scope, string target, AutomationAction action, DateTimeOffset now, DateTimeOffset until, string reason)
    {
        var index = _active.FindIndex(a => a.Source == source && a.Scope == scope && a.Target == target && a.Action == action);
        if (index >= 0)
        {
            var extended = _active[index] with { Until = Later(_active[index].Until, until), Reason = reason };
            _active[index] = extended;
            return extended;
        }
        var added = new ActiveAutomation(_nextId++, source, scope, target, action, now, until, reason);
        _active.Add(added);
        return added;
    }

    private void Expire(DateTimeOffset now) => _active.RemoveAll(a => a.Until <= now);

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
