using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;

namespace ActorMTA.Server.Admin;

public sealed partial class AdminCommands
{
    /// <summary>This node's MX resolver (shared with delivery, so `shaping show` sees what delivery sees, cache included); null: no `shaping show`.</summary>
    public MxResolver? Mx { get; init; }

    /// <summary>actormta.shaping as the node read it at start-up.</summary>
    public ShapingSettings Shaping { get; init; } = new();

    /// <summary>actormta.egress as the node read it at start-up; null: only the built-in "default" source.</summary>
    public EgressSettings? Egress { get; init; }

    /// <summary>
    /// The automation actions in force, laid over the configured limits. Not thread-safe, so every use holds a lock
    /// on it (ctl commands run concurrently on pool threads). Null: none.
    /// </summary>
    public AutomationState? Automation { get; init; }

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>`ctl shaping show DOMAIN [--source NAME]`.</summary>
    private async Task<AdminResult> ShapingShow(string[] args)
    {
        string? domain = null, source = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--source") source = i + 1 < args.Length ? args[++i] : throw new AdminException("--source needs a source name");
            else if (domain is null) domain = args[i];
            else throw new AdminException($"shaping show takes one DOMAIN, not also '{args[i]}'");
        }
        if (domain is null) throw new AdminException("missing DOMAIN");
        var mx = Mx ?? throw new AdminException("shaping show: this node has no MX resolver");
        source = ChooseSource(source);

        // Awaited, never blocked on: the lookup runs on DnsClient's async I/O, off any actor's thread.
        using var timeout = new CancellationTokenSource(ResolveTimeout);
        var resolution = await mx.ResolveAsync(domain, timeout.Token);
        var name = HoconName(domain);
        switch (resolution)
        {
            case MxResolution.Failure { EnhancedCode: "5.1.10" } nullMx:
                return ShapingReport.NoMail(name, nullMx.Text);
            case MxResolution.Failure { Permanent: false } temporary:
                throw new AdminException($"shaping show {name}: DNS lookup failed, temporary ({temporary.EnhancedCode}): {temporary.Text.TrimEnd('.')}; try again later");
            case MxResolution.Failure permanent:
                throw new AdminException($"shaping show {name}: no mail route ({permanent.EnhancedCode}): {permanent.Text}");
            case MxResolution.Hosts hosts:
                var site = SiteKey.From(hosts.Targets);
                var shaping = new ShapingResolver(Shaping).Resolve(domain, site, source);
                if (Automation is { } automation)
                    lock (automation) shaping = automation.Apply(shaping);
                return new ShapingReport(hosts.Targets, PoolsOf(source), shaping).Result();
            default:
                throw new InvalidOperationException($"unexpected MX resolution {resolution}");
        }
    }

    /// <summary>The named source (it must exist), else the default pool's first source of positive weight, else "default".</summary>
    private string ChooseSource(string? requested)
    {
        if (Egress is not { } egress) return requested is null or EgressSource.DefaultName
            ? EgressSource.DefaultName
            : throw new AdminException($"unknown source '{requested}' (sources: {EgressSource.DefaultName})");
        if (requested is not null)
            return egress.Sources.ContainsKey(requested)
                ? requested
                : throw new AdminException($"unknown source '{requested}' (sources: {string.Join(", ", egress.Sources.Keys.Order(StringComparer.Ordinal))})");
        return egress.DefaultPool.Members.FirstOrDefault(m => m.Weight > 0).Source?.Name ?? EgressSource.DefaultName;
    }

    private IReadOnlyList<string> PoolsOf(string source) =>
        Egress is not { } egress
            ? source == EgressSource.DefaultName ? [EgressPool.DefaultName] : []
            : egress.Pools.Values.Where(p => p.Members.Any(m => m.Source.Name == source && m.Weight > 0)).Select(p => p.Name).ToList();

    private static string HoconName(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}
