using System.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The actormta.egress section: sources, pools of sources, and which sender domains use which pool. There is
/// always a "default" source (the operating system's choice of address, the delivery EHLO name) and a "default"
/// pool holding it, so a node without egress configuration sends as before. Read once; immutable and thread-safe.
/// </summary>
public sealed record EgressSettings
{
    public const string Path = "actormta.egress";

    /// <summary>The header a message may name its pool in; removed before sending.</summary>
    public const string PoolHeader = "X-ActorMTA-Pool";

    public required IReadOnlyDictionary<string, EgressSource> Sources { get; init; }

    /// <summary>Always holds <see cref="EgressPool.DefaultName"/>. Names compare case-insensitively, as header values arrive in any case.</summary>
    public required IReadOnlyDictionary<string, EgressPool> Pools { get; init; }

    /// <summary>Sender domain (lower-case) to pool name.</summary>
    public IReadOnlyDictionary<string, string> SenderPools { get; init; } = new Dictionary<string, string>();

    public EgressPool DefaultPool => Pools[EgressPool.DefaultName];

    /// <summary>
    /// The pool of a message. The first of these that is given decides: the injection API's <paramref name="requested"/>
    /// field, the <see cref="PoolHeader"/> header's <paramref name="headerValue"/>, a sender-pools rule for
    /// <paramref name="senderDomain"/> or its nearest parent domain. A name that is given but unknown gets the
    /// default pool, with a reason that says so, rather than a rejected message: the pool decides the way out, not
    /// whether the mail is accepted.
    /// </summary>
    public PoolChoice SelectPool(string? requested, string? headerValue, string? senderDomain)
    {
        if (!string.IsNullOrWhiteSpace(requested)) return Named(requested.Trim(), "requested");
        if (!string.IsNullOrWhiteSpace(headerValue)) return Named(headerValue.Trim(), $"{PoolHeader} header");
        if (!string.IsNullOrWhiteSpace(senderDomain))
        {
            var domain = HoconReading.NormalizeDomain(senderDomain);
            for (var d = domain; d.Length > 0; d = d.IndexOf('.') is var dot and >= 0 ? d[(dot + 1)..] : "")
                if (SenderPools.TryGetValue(d, out var pool))
                    return new PoolChoice(Pools[pool], $"sender-pools rule \"{d}\" for sender domain {domain}");
        }
        return new PoolChoice(DefaultPool, "default pool (no pool requested, no sender-pools rule)");
    }

    private PoolChoice Named(string name, string origin) =>
        Pools.TryGetValue(name, out var pool)
            ? new PoolChoice(pool, $"{origin}: {pool.Name}")
            : new PoolChoice(DefaultPool, $"{origin} names unknown pool '{name}'; default pool used");

    /// <summary>No egress configuration: the default source (the operating system's address, <paramref name="ehlo"/>) in the default pool.</summary>
    public static EgressSettings DefaultOnly(string ehlo)
    {
        var source = new EgressSource(EgressSource.DefaultName, null, ehlo);
        return new EgressSettings
        {
            Sources = new Dictionary<string, EgressSource>(StringComparer.Ordinal) { [source.Name] = source },
            Pools = new Dictionary<string, EgressPool>(StringComparer.OrdinalIgnoreCase) { [EgressPool.DefaultName] = new(EgressPool.DefaultName, [(source, 1)]) },
        };
    }

    /// <summary>The pool named <paramref name="name"/> (null: the default); a name no longer configured (the
    /// message was queued before a change) gets the default pool too.</summary>
    public EgressPool PoolNamed(string? name) => name is not null && Pools.TryGetValue(name, out var pool) ? pool : DefaultPool;

    /// <summary>Reads actormta.egress from the root configuration; the default source's EHLO is the delivery EHLO name.</summary>
    public static EgressSettings FromConfig(Config root)
    {
        var c = root.GetConfig(Path) ?? ConfigurationFactory.Empty;
        if (root.HasPath(Path) && root.GetValue(Path) is { } section)
        {
            if (!section.IsObject()) throw new ConfigurationException($"{Path} must be an object");
            HoconReading.RejectUnknownKeys(section, SectionKeys, Path);
        }
        var helo = root.GetString("actormta.delivery.helo-name", "");
        var defaultEhlo = string.IsNullOrWhiteSpace(helo) ? root.GetString("actormta.hostname", "mail.localhost") : helo.Trim();

        var sources = new Dictionary<string, EgressSource>(StringComparer.Ordinal)
        {
            [EgressSource.DefaultName] = new(EgressSource.DefaultName, null, defaultEhlo),
        };
        foreach (var (name, value) in HoconReading.Members(c, "sources", $"{Path}.sources"))
        {
            var at = $"{Path}.sources.{name}";
            var source = HoconReading.AsConfig(value, at);
            HoconReading.RejectUnknownKeys(value, SourceKeys, at);
            var bindText = source.GetString("bind", "").Trim();
            IPAddress? bind = null;
            if (bindText.Length > 0 && !IPAddress.TryParse(bindText, out bind))
                throw new ConfigurationException($"{at}.bind: '{bindText}' is not an IP address");
            var ehlo = source.GetString("ehlo", "").Trim();
            sources[name] = new EgressSource(name, bind, ehlo.Length > 0 ? ehlo : defaultEhlo);
        }

        var pools = new Dictionary<string, EgressPool>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in HoconReading.Members(c, "pools", $"{Path}.pools"))
        {
            var at = $"{Path}.pools.{name}";
            var members = new List<(EgressSource, int)>();
            HoconReading.AsConfig(value, at);
            foreach (var (sourceName, weightValue) in HoconReading.Members(value))
            {
                if (!sources.TryGetValue(sourceName, out var source))
                    throw new ConfigurationException($"{at}.{sourceName}: no such source in {Path}.sources");
                var text = weightValue.GetString();
                if (!int.TryParse(text, out var weight) || weight < 0)
                    throw new ConfigurationException($"{at}.{sourceName}: weight '{text}' must be a whole number, 0 or more");
                members.Add((source, weight));
            }
            if (!members.Any(m => m.Item2 > 0))
                throw new ConfigurationException($"{at}: needs at least one source of positive weight");
            pools[name] = new EgressPool(name, members);
        }
        if (!pools.ContainsKey(EgressPool.DefaultName))
            pools[EgressPool.DefaultName] = new EgressPool(EgressPool.DefaultName, [(sources[EgressSource.DefaultName], 1)]);

        var senderPools = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (domain, value) in HoconReading.Members(c, "sender-pools", $"{Path}.sender-pools"))
        {
            var pool = value.GetString()?.Trim() ?? "";
            if (!pools.TryGetValue(pool, out var known))
                throw new ConfigurationException($"{Path}.sender-pools.\"{domain}\": no such pool '{pool}' in {Path}.pools");
            senderPools[HoconReading.NormalizeDomain(domain)] = known.Name;
        }

        return new EgressSettings { Sources = sources, Pools = pools, SenderPools = senderPools };
    }

    private static readonly HashSet<string> SectionKeys = new(StringComparer.Ordinal) { "sources", "pools", "sender-pools" };

    private static readonly HashSet<string> SourceKeys = new(StringComparer.Ordinal) { "bind", "ehlo" };
}
