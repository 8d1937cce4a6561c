using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMTA.Server.Admin;

public sealed partial class AdminCommands
{
    /// <summary>This node's MX resolver (shared with delivery, so `shaping show` sees what delivery sees, cache included); null: no `shaping show`.</summary>
    public MxResolver? Mx { get; init; }

    /// <summary>actormta.shaping as the node read it at start-up.</summary>
    public ShapingSettings Shaping { get; init; } = new();

    /// <summary>actormta.egress as the node read it at start-up; null: only the built-in "default" source.</summary>
    public EgressSettings? Egress { get; init; }

    /// <summary>The send-throttle shard region, which holds the automation actions in force; null: none are shown.</summary>
    public IActorRef? SendThrottles { get; init; }

    private static readonly TimeSpan DefaultSuspension = TimeSpan.FromHours(1);

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
                if (await ThrottleStatus(SendThrottleKey.For(source, shaping.Provider, site)) is { } status)
                    shaping = AutomationState.Apply(shaping, status.Active);
                return new ShapingReport(hosts.Targets, PoolsOf(source), shaping).Result();
            default:
                throw new InvalidOperationException($"unexpected MX resolution {resolution}");
        }
    }

    private async Task<SendThrottleStatus?> ThrottleStatus(SendThrottleKey key) =>
        SendThrottles is { } throttles ? await throttles.Ask<SendThrottleStatus>(new GetSendThrottleStatus(key.ToString()), AskTimeout) : null;

    /// <summary>
    /// `ctl site suspend SITE [--for DURATION] [--source NAME]`: no new connections or messages to the site, from
    /// every node, until the time is up (an hour by default) or `ctl site resume SITE` ends it. SITE is a site key as
    /// `shaping show` prints it (the MX host names, comma-separated) or a provider's name.
    /// </summary>
    private async Task<AdminResult> SiteSuspend(string[] args)
    {
        var (target, source, duration) = SiteArgs(args, allowFor: true);
        var key = ThrottleKeyOf(target, source);
        var scope = target.IsProvider ? AutomationScope.Provider : AutomationScope.Site;
        var status = await Throttles().Ask<SendThrottleStatus>(
            new ImposeSendAction(key.ToString(), scope, target.Name, "suspend", duration ?? DefaultSuspension, "ctl site suspend"), AskTimeout);
        return SiteResult($"suspended {target.Name} from source {key.Source}", status);
    }

    /// <summary>`ctl site resume SITE [--source NAME]`: ends every action in force for the site (suspension and lowered limits).</summary>
    private async Task<AdminResult> SiteResume(string[] args)
    {
        var (target, source, _) = SiteArgs(args, allowFor: false);
        var key = ThrottleKeyOf(target, source);
        var status = await Throttles().Ask<SendThrottleStatus>(new CancelSendActions(key.ToString(), target.Name), AskTimeout);
        return SiteResult($"resumed {target.Name} from source {key.Source}: {status.Cancelled} action(s) ended", status);
    }

    private IActorRef Throttles() => SendThrottles ?? throw new AdminException("this node does not enforce traffic shaping (actormta.shaping.enforce = off)");

    /// <summary>A provider's name stands for all its sites; anything else is a site key.</summary>
    private (SiteOrProvider Target, string? Source, TimeSpan? For) SiteArgs(string[] args, bool allowFor)
    {
        string? name = null, source = null;
        TimeSpan? duration = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--source") source = i + 1 < args.Length ? args[++i] : throw new AdminException("--source needs a source name");
            else if (args[i] == "--for" && allowFor) duration = i + 1 < args.Length ? ParseDuration(args[++i]) : throw new AdminException("--for needs a duration, e.g. 30m");
            else if (name is null) name = args[i];
            else throw new AdminException($"one SITE, not also '{args[i]}'");
        }
        if (name is null) throw new AdminException("missing SITE (MX host names, comma-separated, or a provider name)");
        if (Shaping.Provider(name) is not null) return (new SiteOrProvider(name, IsProvider: true), source, duration);
        try
        {
            return (new SiteOrProvider(SiteKey.Parse(name).Name, IsProvider: false), source, duration);
        }
        catch (ArgumentException e)
        {
            throw new AdminException($"'{name}' is not a site: {e.Message}");
        }
    }

    private sealed record SiteOrProvider(string Name, bool IsProvider);

    private SendThrottleKey ThrottleKeyOf(SiteOrProvider target, string? source)
    {
        var chosen = ChooseSource(source);
        if (target.IsProvider) return new SendThrottleKey(chosen, target.Name, null);
        var site = SiteKey.Parse(target.Name);
        return SendThrottleKey.For(chosen, new ShapingResolver(Shaping).ProviderFor(site)?.Name, site);
    }

    /// <summary>A duration as HOCON writes one ("90s", "30m", "2h"), read by HOCON itself as the settings are.</summary>
    private static TimeSpan ParseDuration(string text)
    {
        if (text.IndexOfAny(['"', '\\', '\n', '\r']) < 0)
        {
            try
            {
                var duration = ConfigurationFactory.ParseString($"d = \"{text}\"").GetTimeSpan("d");
                if (duration > TimeSpan.Zero) return duration;
            }
            catch (Exception e) when (e is FormatException or ConfigurationException or ArgumentException or OverflowException)
            {
                // Not a duration: said below.
            }
        }
        throw new AdminException($"'{text}' is not a duration (e.g. 90s, 30m, 2h)");
    }

    private static AdminResult SiteResult(string headline, SendThrottleStatus status)
    {
        var text = new StringBuilder(headline).Append('\n');
        foreach (var a in status.Active) text.Append("automation ").Append(a).Append('\n');
        var json = new JsonObject
        {
            ["message"] = headline,
            ["throttle"] = status.ThrottleKey,
            ["cancelled"] = status.Cancelled,
            ["automation"] = new JsonArray(status.Active.Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id, ["action"] = a.Action.ToString(), ["scope"] = a.Scope.ToString().ToLowerInvariant(), ["target"] = a.Target,
                ["source"] = a.Source, ["until"] = a.Until.ToString("o", CultureInfo.InvariantCulture), ["reason"] = a.Reason,
            }).ToArray()),
        };
        return new AdminResult(text.ToString(), json);
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
