using System.Net;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// The actormta.delivery section: where and how outbound mail goes, how often it is retried, the
/// per-domain throttles and routes. Read once; immutable and thread-safe.
/// </summary>
public sealed record DeliverySettings
{
    public const string Wildcard = "*";

    public IReadOnlyList<IPEndPoint> DnsServers { get; init; } = [];
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public int DnsRetries { get; init; } = 1;
    /// <summary>How long a temporary DNS failure is remembered (delivery resumes at most this long after DNS recovers).</summary>
    public TimeSpan DnsTemporaryFailureTtl { get; init; } = MxResolverOptions.DefaultTemporaryFailureTtl;
    /// <summary>Where the system's DNS servers are read from when <see cref="DnsServers"/> is empty.</summary>
    public string ResolvConf { get; init; } = NameServers.DefaultResolvConf;
    public int RemoteSmtpPort { get; init; } = 25;
    public IReadOnlyList<TimeSpan> RetrySchedule { get; init; } =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4)];
    public double RetryJitter { get; init; } = 0.1;
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(5);
    /// <summary>Zero: never send a "delayed" DSN.</summary>
    public TimeSpan DelayWarningAfter { get; init; } = TimeSpan.FromHours(4);
    /// <summary>Our name in EHLO; never empty (falls back to actormta.hostname).</summary>
    public string HeloName { get; init; } = "mail.localhost";
    public StartTlsMode StartTls { get; init; } = StartTlsMode.Opportunistic;
    public bool VerifyCertificates { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan DomainBackoff { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>How long an open connection with nothing to send waits for new mail before it says QUIT.</summary>
    public TimeSpan ConnectionIdleTime { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Longest reply line accepted from a remote server, CRLF included.</summary>
    public int MaxReplyLineLength { get; init; } = 4096;
    /// <summary>The VERP return paths of outbound copies (actormta.bounces.verp); null or VERP off: the sender's own.</summary>
    public Routing.ReportAddresses? ReturnPaths { get; init; }
    /// <summary>How long a bounce may take to be stored by its destination before it is tried again.</summary>
    public TimeSpan BounceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Keyed by lower-case domain or "*".</summary>
    public IReadOnlyDictionary<string, SmtpRoute> Routes { get; init; } = new Dictionary<string, SmtpRoute>();

    /// <summary>Keyed by lower-case domain or "*"; missing keys of a domain entry come from "*".</summary>
    public IReadOnlyDictionary<string, DomainThrottle> Throttles { get; init; } =
        new Dictionary<string, DomainThrottle> { [Wildcard] = DomainThrottle.Default };

    /// <summary>The route for a domain: its own entry, else "*", else null (use MX).</summary>
    public SmtpRoute? RouteFor(string domain) =>
        Routes.TryGetValue(Normalize(domain), out var route) ? route : Routes.GetValueOrDefault(Wildcard);

    public DomainThrottle ThrottleFor(string domain) =>
        Throttles.TryGetValue(Normalize(domain), out var throttle) ? throttle : Throttles.GetValueOrDefault(Wildcard) ?? DomainThrottle.Default;

    /// <summary>
    /// How long to wait after the <paramref name="failedAttempts"/>-th failed attempt (1-based): the schedule's
    /// entry for it, the last one repeating, spread by ±<see cref="RetryJitter"/> so that messages deferred
    /// together do not all come back in the same second.
    /// </summary>
    public TimeSpan RetryDelay(int failedAttempts, Random random)
    {
        if (RetrySchedule.Count == 0) return TimeSpan.FromMinutes(1);
        var interval = RetrySchedule[Math.Clamp(failedAttempts - 1, 0, RetrySchedule.Count - 1)];
        var factor = 1 + RetryJitter * (random.NextDouble() * 2 - 1);
        return TimeSpan.FromTicks((long)(interval.Ticks * Math.Max(0, factor)));
    }

    public MxResolverOptions ResolverOptions() =>
        new(DnsServers, DnsTimeout, DnsRetries, TimeSpan.Zero, TimeSpan.FromHours(24))
        {
            TemporaryFailureTtl = DnsTemporaryFailureTtl,
            ResolvConf = ResolvConf,
        };

    private static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Reads actormta.delivery from the root configuration (the whole actormta.conf tree).</summary>
    public static DeliverySettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.delivery") ?? ConfigurationFactory.Empty;
        var hostName = root.GetString("actormta.hostname", "mail.localhost");
        var defaults = new DeliverySettings();
        var helo = c.GetString("helo-name", "");
        var port = c.GetInt("remote-smtp-port", defaults.RemoteSmtpPort);

        var schedule = c.HasPath("retry-schedule")
            ? c.GetStringList("retry-schedule").Select(s => ParseDuration(s, "retry-schedule")).ToArray()
            : defaults.RetrySchedule;
        if (schedule.Count == 0 || schedule.Any(t => t <= TimeSpan.Zero))
            throw new ConfigurationException("actormta.delivery.retry-schedule needs at least one positive interval");

        return new DeliverySettings
        {
            DnsServers = MxResolverOptions.ParseDnsServers(c.HasPath("dns-servers") ? c.GetStringList("dns-servers") : []),
            DnsTimeout = c.GetTimeSpan("dns-timeout", defaults.DnsTimeout, allowInfinite: false),
            DnsRetries = c.GetInt("dns-retries", defaults.DnsRetries),
            DnsTemporaryFailureTtl = c.GetTimeSpan("dns-temporary-failure-ttl", defaults.DnsTemporaryFailureTtl, allowInfinite: false),
            ResolvConf = c.GetString("resolv-conf", defaults.ResolvConf) is { Length: > 0 } resolvConf ? resolvConf : defaults.ResolvConf,
            RemoteSmtpPort = port,
            RetrySchedule = schedule,
            RetryJitter = Math.Clamp(c.GetDouble("retry-jitter", defaults.RetryJitter), 0, 1),
            MaxAge = c.GetTimeSpan("max-age", defaults.MaxAge, allowInfinite: false),
            DelayWarningAfter = c.GetTimeSpan("delay-warning-after", defaults.DelayWarningAfter, allowInfinite: false),
            HeloName = string.IsNullOrWhiteSpace(helo) ? hostName : helo.Trim(),
            StartTls = c.GetString("starttls", "opportunistic").Trim().ToLowerInvariant() switch
            {
                "opportunistic" => StartTlsMode.Opportunistic,
                "required" => StartTlsMode.Required,
                "off" or "false" or "no" => StartTlsMode.Off,
                var other => throw new ConfigurationException($"actormta.delivery.starttls: unknown mode '{other}' (opportunistic | required | off)"),
            },
            VerifyCertificates = c.GetBoolean("verify-certificates", false),
            ConnectTimeout = c.GetTimeSpan("connect-timeout", defaults.ConnectTimeout, allowInfinite: false),
            CommandTimeout = c.GetTimeSpan("command-timeout", defaults.CommandTimeout, allowInfinite: false),
            DataTimeout = c.GetTimeSpan("data-timeout", defaults.DataTimeout, allowInfinite: false),
            DomainBackoff = c.GetTimeSpan("domain-backoff", defaults.DomainBackoff, allowInfinite: false),
            ConnectionIdleTime = c.GetTimeSpan("connection-idle-time", defaults.ConnectionIdleTime, allowInfinite: false),
            BounceTimeout = c.GetTimeSpan("bounce-timeout", defaults.BounceTimeout, allowInfinite: false),
            Routes = ReadRoutes(c, port),
            Throttles = ReadThrottles(c),
        };
    }

    // Keys are read from the HOCON object itself, not as paths: "example.org" is one key, not two levels.
    private static Dictionary<string, HoconValue> Items(Config c, string path)
    {
        var result = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        if (!c.HasPath(path)) return result;
        var value = c.GetValue(path);
        if (value is null || !value.IsObject()) return result;
        foreach (var (key, item) in value.GetObject().Items) result[Normalize(Unquote(key))] = item;
        return result;
    }

    private static string Unquote(string key) => key.Length >= 2 && key[0] == '"' && key[^1] == '"' ? key[1..^1] : key;

    private static Dictionary<string, SmtpRoute> ReadRoutes(Config c, int defaultPort)
    {
        var routes = new Dictionary<string, SmtpRoute>(StringComparer.Ordinal);
        foreach (var (domain, value) in Items(c, "routes"))
        {
            var text = value.GetString();
            if (string.IsNullOrWhiteSpace(text)) continue; // an overlay may switch a route off with ""
            try { routes[domain] = SmtpRoute.Parse(text, defaultPort); }
            catch (FormatException e) { throw new ConfigurationException($"actormta.delivery.routes.\"{domain}\": {e.Message}"); }
        }
        return routes;
    }

    private static Dictionary<string, DomainThrottle> ReadThrottles(Config c)
    {
        var items = Items(c, "throttles");
        var wildcard = items.TryGetValue(Wildcard, out var w) ? Throttle(w, DomainThrottle.Default, Wildcard) : DomainThrottle.Default;
        var throttles = new Dictionary<string, DomainThrottle>(StringComparer.Ordinal) { [Wildcard] = wildcard };
        foreach (var (domain, value) in items)
            if (domain != Wildcard) throttles[domain] = Throttle(value, wildcard, domain);
        return throttles;
    }

    private static DomainThrottle Throttle(HoconValue value, DomainThrottle fallback, string domain)
    {
        if (!value.IsObject()) throw new ConfigurationException($"actormta.delivery.throttles.\"{domain}\" must be an object");
        var fields = value.GetObject().Items;
        int Get(string key, int otherwise)
        {
            if (!fields.TryGetValue(key, out var v)) return otherwise;
            var n = v.GetInt();
            return n >= 0 ? n : throw new ConfigurationException($"actormta.delivery.throttles.\"{domain}\".{key} must not be negative");
        }
        var throttle = new DomainThrottle(
            Get("max-connections", fallback.MaxConnections),
            Get("max-messages-per-connection", fallback.MaxMessagesPerConnection),
            Get("max-messages-per-minute", fallback.MaxMessagesPerMinute),
            Get("partitions", fallback.Partitions));
        if (throttle.MaxConnections < 1 || throttle.MaxMessagesPerConnection < 1 || throttle.Partitions < 1)
            throw new ConfigurationException($"actormta.delivery.throttles.\"{domain}\": max-connections, max-messages-per-connection and partitions must be at least 1");
        return throttle;
    }

    private static TimeSpan ParseDuration(string text, string key)
    {
        try { return ConfigurationFactory.ParseString("d = " + text).GetTimeSpan("d"); }
        catch (Exception e) { throw new ConfigurationException($"actormta.delivery.{key}: '{text}' is not a duration ({e.Message})"); }
    }
}
