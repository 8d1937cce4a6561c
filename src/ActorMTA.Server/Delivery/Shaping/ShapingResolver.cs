namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// Works out the provider of a site and the effective limits for a domain: domain entry over provider entry over
/// default, each limit remembering which one set it. Pure; thread-safe.
/// </summary>
public sealed class ShapingResolver(ShapingSettings settings)
{
    public ShapingSettings Settings { get; } = settings;

    /// <summary>
    /// The provider of a site: each MX host counts for the rule with its longest matching suffix (so a specific
    /// rule beats a catch-all one), and the rule counted by most hosts wins; ties go to the rule listed first.
    /// Null when no host matches any rule.
    /// </summary>
    public ProviderRule? ProviderFor(IEnumerable<string> mxHostNames)
    {
        var votes = new Dictionary<ProviderRule, int>();
        foreach (var host in mxHostNames.Select(SiteKey.Normalize).Distinct(StringComparer.Ordinal))
        {
            ProviderRule? best = null;
            var bestLength = 0;
            foreach (var rule in Settings.Providers)
            {
                var length = rule.MatchLength(host);
                if (length > bestLength) (best, bestLength) = (rule, length);
            }
            if (best is not null) votes[best] = votes.GetValueOrDefault(best) + 1;
        }
        return votes.Count == 0 ? null : votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key.Order).First().Key;
    }

    public ProviderRule? ProviderFor(SiteKey site) => ProviderFor(site.Hosts);

    /// <summary>The limits for mail to <paramref name="domain"/>, whose resolved MX hosts make <paramref name="site"/>, sent from <paramref name="source"/>.</summary>
    public EffectiveShaping Resolve(string domain, SiteKey site, string source)
    {
        var provider = ProviderFor(site);
        var domainEntry = Settings.DomainEntry(domain) ?? ShapingEntry.Empty;
        var providerEntry = provider?.Entry ?? ShapingEntry.Empty;
        var fallback = Settings.Default;

        Sourced<T> Pick<T>(Func<ShapingEntry, T?> key) where T : struct =>
            key(domainEntry) is { } d ? new(d, ShapingOrigin.Domain)
            : key(providerEntry) is { } p ? new(p, ShapingOrigin.Provider)
            : new(key(fallback) ?? key(ShapingEntry.BuiltIn)!.Value, ShapingOrigin.Default);

        return new EffectiveShaping(
            HoconReading.NormalizeDomain(domain),
            site,
            provider?.Name,
            source,
            Pick(e => e.ConnectionLimit),
            Pick(e => e.ProviderConnectionLimit),
            Pick(e => e.MessagesPerConnection),
            Pick(e => e.MessageRate),
            Pick(e => e.ConnectionRate),
            Pick(e => e.IdleTimeout),
            Pick(e => e.Tls));
    }

    /// <summary>As <see cref="Resolve(string, SiteKey, string)"/>, from the MX host names as resolved (any order, any case).</summary>
    public EffectiveShaping Resolve(string domain, IEnumerable<string> mxHostNames, string source) =>
        Resolve(domain, SiteKey.From(mxHostNames), source);
}
