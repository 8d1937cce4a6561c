namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The id of a <see cref="SendThrottle"/> entity: the egress source and either the provider (whose sites then share
/// one entity, so the provider-wide connection limit is one counter) or, for a site of no known provider, the site.
/// Printed as "source|provider:NAME" or "source|site:SITE".
/// </summary>
public readonly record struct SendThrottleKey(string Source, string? Provider, string? Site)
{
    private const string ProviderTag = "provider:";
    private const string SiteTag = "site:";

    public static SendThrottleKey For(string source, string? provider, SiteKey site) =>
        provider is null ? new(source, null, site.Name) : new(source, provider, null);

    public static SendThrottleKey Parse(string key)
    {
        var bar = key.IndexOf('|');
        if (bar > 0)
        {
            var source = key[..bar];
            var rest = key[(bar + 1)..];
            if (rest.StartsWith(ProviderTag, StringComparison.Ordinal) && rest.Length > ProviderTag.Length) return new(source, rest[ProviderTag.Length..], null);
            if (rest.StartsWith(SiteTag, StringComparison.Ordinal) && rest.Length > SiteTag.Length) return new(source, null, rest[SiteTag.Length..]);
        }
        throw new FormatException($"'{key}' is not a send throttle key (source|provider:NAME or source|site:SITE)");
    }

    public override string ToString() => Provider is { } provider ? $"{Source}|{ProviderTag}{provider}" : $"{Source}|{SiteTag}{Site}";
}
