using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// One entry of actormta.shaping (the default, a provider or a domain). A null property is not set here and is
/// inherited: domain entry, then provider entry, then default.
/// </summary>
/// <param name="ConnectionLimit">Concurrent connections per (source, site).</param>
/// <param name="ProviderConnectionLimit">Concurrent connections per (source, provider), over all its sites; 0 = unlimited.</param>
public sealed record ShapingEntry(
    int? ConnectionLimit = null,
    int? ProviderConnectionLimit = null,
    int? MessagesPerConnection = null,
    ShapingRate? MessageRate = null,
    ShapingRate? ConnectionRate = null,
    TimeSpan? IdleTimeout = null,
    StartTlsMode? Tls = null)
{
    public static readonly ShapingEntry Empty = new();

    /// <summary>
    /// What applies when actormta.shaping.default leaves a key out (the shipped default sets them all); the values
    /// of the old per-domain throttle "*", so that a configuration without shaping keys behaves as before.
    /// </summary>
    public static readonly ShapingEntry BuiltIn = new(
        ConnectionLimit: 10,
        ProviderConnectionLimit: 0,
        MessagesPerConnection: 100,
        MessageRate: ShapingRate.Unlimited,
        ConnectionRate: ShapingRate.Unlimited,
        IdleTimeout: TimeSpan.FromSeconds(2),
        Tls: StartTlsMode.Opportunistic);

    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(StringComparer.Ordinal)
    {
        "connection-limit", "provider-connection-limit", "messages-per-connection", "message-rate", "connection-rate", "idle-timeout", "tls",
    };

    /// <summary>Reads an entry; <paramref name="fullPath"/> (e.g. actormta.shaping.domains."example.com") names it in errors.</summary>
    public static ShapingEntry Read(HoconValue value, string fullPath, IReadOnlySet<string>? extraKeys = null)
    {
        var c = HoconReading.AsConfig(value, fullPath);
        HoconReading.RejectUnknownKeys(value, extraKeys is null ? Keys : Keys.Union(extraKeys).ToHashSet(StringComparer.Ordinal), fullPath);
        return new ShapingEntry(
            ConnectionLimit: Count(c, "connection-limit", fullPath, min: 1, unlimitedAllowed: false),
            ProviderConnectionLimit: Count(c, "provider-connection-limit", fullPath, min: 0, unlimitedAllowed: true),
            MessagesPerConnection: Count(c, "messages-per-connection", fullPath, min: 1, unlimitedAllowed: false),
            MessageRate: Rate(c, "message-rate", fullPath),
            ConnectionRate: Rate(c, "connection-rate", fullPath),
            IdleTimeout: Duration(c, "idle-timeout", fullPath),
            Tls: ReadTls(c, "tls", fullPath));
    }

    /// <summary>This entry's keys where set, the other's where not.</summary>
    public ShapingEntry Over(ShapingEntry fallback) => new(
        ConnectionLimit ?? fallback.ConnectionLimit,
        ProviderConnectionLimit ?? fallback.ProviderConnectionLimit,
        MessagesPerConnection ?? fallback.MessagesPerConnection,
        MessageRate ?? fallback.MessageRate,
        ConnectionRate ?? fallback.ConnectionRate,
        IdleTimeout ?? fallback.IdleTimeout,
        Tls ?? fallback.Tls);

    private static int? Count(Config c, string key, string path, int min, bool unlimitedAllowed)
    {
        if (!c.HasPath(key)) return null;
        var text = c.GetString(key)?.Trim() ?? "";
        if (unlimitedAllowed && text.Equals("unlimited", StringComparison.OrdinalIgnoreCase)) return 0;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < min)
            throw new ConfigurationException($"{path}.{key}: '{text}' must be a whole number of at least {min}{(unlimitedAllowed ? " (0 or unlimited: no limit)" : "")}");
        return n;
    }

    private static ShapingRate? Rate(Config c, string key, string path)
    {
        if (!c.HasPath(key)) return null;
        try { return ShapingRate.Parse(c.GetString(key), $"{path}.{key}"); }
        catch (FormatException e) { throw new ConfigurationException(e.Message); }
    }

    private static TimeSpan? Duration(Config c, string key, string path)
    {
        if (!c.HasPath(key)) return null;
        TimeSpan t;
        try { t = c.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception e) when (e is not ConfigurationException) { throw new ConfigurationException($"{path}.{key}: '{c.GetString(key)}' is not a duration ({e.Message})"); }
        return t >= TimeSpan.Zero ? t : throw new ConfigurationException($"{path}.{key} must not be negative");
    }

    private static StartTlsMode? ReadTls(Config c, string key, string path)
    {
        if (!c.HasPath(key)) return null;
        return c.GetString(key).Trim().ToLowerInvariant() switch
        {
            "required" => StartTlsMode.Required,
            "opportunistic" => StartTlsMode.Opportunistic,
            var other => throw new ConfigurationException($"{path}.{key}: unknown mode '{other}' (required | opportunistic)"),
        };
    }
}
