namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The name of a site: the set of a domain's MX host names, lower-case, without trailing dots, de-duplicated,
/// sorted and joined with commas. Every domain whose MX set is the same gets the same key, whatever the order or
/// the preferences, so they share one pool of connections and one set of throttles (MX rollup).
/// </summary>
public readonly record struct SiteKey
{
    private SiteKey(string name) => Name = name;

    /// <summary>"alt1.aspmx.l.google.com,aspmx.l.google.com".</summary>
    public string Name { get; }

    /// <summary>The host names in the key, sorted.</summary>
    public IReadOnlyList<string> Hosts => Name.Split(',');

    /// <summary>
    /// The key of a resolved MX set (after null-MX and implicit-MX handling: an implicit MX is the domain itself).
    /// A set with no usable name has no site, which is a caller's bug rather than a DNS answer, hence the exception.
    /// </summary>
    public static SiteKey From(IEnumerable<string> mxHostNames)
    {
        ArgumentNullException.ThrowIfNull(mxHostNames);
        var names = mxHostNames
            .Select(Normalize)
            .Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (names.Length == 0) throw new ArgumentException("a site needs at least one MX host name", nameof(mxHostNames));
        return new SiteKey(string.Join(',', names));
    }

    public static SiteKey From(IEnumerable<MxHost> mxHosts) => From(mxHosts.Select(h => h.Name));

    /// <summary>Reads a key back from its printed form (as `ctl` takes it), normalizing it the same way.</summary>
    public static SiteKey Parse(string name) => From(name.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A host name as the key holds it; ordinal comparisons are safe afterwards because DNS names are ASCII (IDNs arrive as A-labels).</summary>
    public static string Normalize(string hostName) => hostName.Trim().TrimEnd('.').ToLowerInvariant();

    public override string ToString() => Name ?? "";
}
