using Akka.Configuration;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The actormta.shaping section: the default entry, per-provider entries (matched by MX host suffix, in
/// configuration order) and per-domain entries, plus the automation rules. Read once; immutable and thread-safe.
/// </summary>
public sealed record ShapingSettings
{
    public const string Path = "actormta.shaping";

    /// <summary>Fully populated: the configured default over <see cref="ShapingEntry.BuiltIn"/>.</summary>
    public ShapingEntry Default { get; init; } = ShapingEntry.BuiltIn;

    /// <summary>Off: outbound delivery throttles per domain only (delivery.throttles), and these limits are only shown.</summary>
    public bool Enforce { get; init; } = true;

    /// <summary>In configuration order, which breaks ties between providers.</summary>
    public IReadOnlyList<ProviderRule> Providers { get; init; } = [];

    /// <summary>Keyed by lower-case domain without trailing dot.</summary>
    public IReadOnlyDictionary<string, ShapingEntry> Domains { get; init; } = new Dictionary<string, ShapingEntry>();

    public AutomationRules Automation { get; init; } = AutomationRules.None;

    public ShapingEntry? DomainEntry(string domain) => Domains.GetValueOrDefault(HoconReading.NormalizeDomain(domain));

    public ProviderRule? Provider(string name) => Providers.FirstOrDefault(p => p.Name == name);

    private static readonly HashSet<string> SectionKeys = new(StringComparer.Ordinal) { "enforce", "default", "domains", "providers", "automation", "shipped-automation" };

    private static readonly HashSet<string> ProviderKeys = new(StringComparer.Ordinal) { "match" };

    private static ShapingEntry DeliveryDefaults(Config root)
    {
        var delivery = DeliverySettings.FromConfig(root);
        return new ShapingEntry(IdleTimeout: delivery.ConnectionIdleTime, Tls: delivery.StartTls);
    }

    /// <summary>Reads actormta.shaping from the root configuration (actormta.conf with shaping-providers.conf under it).</summary>
    public static ShapingSettings FromConfig(Config root)
    {
        var c = root.GetConfig(Path) ?? ConfigurationFactory.Empty;
        // "domian { ... }" would otherwise be ignored and shape nothing.
        if (root.HasPath(Path) && root.GetValue(Path) is { } section)
        {
            if (!section.IsObject()) throw new ConfigurationException($"{Path} must be an object");
            HoconReading.RejectUnknownKeys(section, SectionKeys, Path);
        }

        var configuredDefault = c.HasPath("default") ? ShapingEntry.Read(c.GetValue("default"), $"{Path}.default") : ShapingEntry.Empty;

        var providers = new List<ProviderRule>();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in HoconReading.Members(c, "providers", $"{Path}.providers"))
        {
            declared.Add(name);
            var path = $"{Path}.providers.{name}";
            var entry = ShapingEntry.Read(value, path, ProviderKeys);
            var entryConfig = HoconReading.AsConfig(value, path);
            // An empty match list is how an overlay switches a shipped provider off: HOCON can merge keys into
            // an object but cannot remove one.
            var match = entryConfig.HasPath("match") ? entryConfig.GetStringList("match").Select(SiteKey.Normalize).ToArray() : [];
            if (match.Any(m => m.TrimStart('.').Length == 0))
                throw new ConfigurationException($"{path}.match: an empty suffix would match every host");
            if (match.Length > 0) providers.Add(new ProviderRule(name, match, entry, providers.Count));
        }

        var domains = new Dictionary<string, ShapingEntry>(StringComparer.Ordinal);
        foreach (var (domain, value) in HoconReading.Members(c, "domains", $"{Path}.domains"))
            domains[HoconReading.NormalizeDomain(domain)] = ShapingEntry.Read(value, $"{Path}.domains.\"{domain}\"");

        // Rules may name a switched-off provider (they then never match), so switching off a shipped provider
        // does not also require switching off its shipped rules.
        var rules = AutomationRules.Read(c, "automation", $"{Path}.automation", declared)
            .Concat(AutomationRules.Read(c, "shipped-automation", $"{Path}.shipped-automation", declared));

        return new ShapingSettings
        {
            Enforce = !c.HasPath("enforce") || c.GetBoolean("enforce"),
            // A default without tls or idle-timeout takes delivery.starttls and delivery.connection-idle-time, so that
            // the node-wide delivery settings stay what they say for every site no entry names.
            Default = configuredDefault.Over(DeliveryDefaults(root)).Over(ShapingEntry.BuiltIn),
            Providers = providers,
            Domains = domains,
            Automation = new AutomationRules(rules.ToArray()),
        };
    }
}
