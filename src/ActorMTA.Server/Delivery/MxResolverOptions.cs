using System.Net;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// Settings for <see cref="MxResolver"/>. <paramref name="DnsServers"/> empty means the system resolver
/// (HOCON <c>actormta.delivery.dns-servers</c>, parsed with <see cref="ParseDnsServers"/>).
/// Record TTLs are clamped to [<paramref name="MinTtl"/>, <paramref name="MaxTtl"/>] before caching.
/// </summary>
public sealed record MxResolverOptions(
    IReadOnlyList<IPEndPoint> DnsServers,
    TimeSpan Timeout,
    int Retries,
    TimeSpan MinTtl,
    TimeSpan MaxTtl)
{
    public const int DefaultDnsPort = 53;

    /// <summary>
    /// How long a temporary failure (SERVFAIL, REFUSED, timeout, no resolver) is remembered, so a burst of messages
    /// for a broken domain costs one lookup; short, because delivery waits this long after DNS recovers
    /// (HOCON <c>actormta.delivery.dns-temporary-failure-ttl</c>). Zero disables caching of temporary failures.
    /// </summary>
    public TimeSpan TemporaryFailureTtl { get; init; } = DefaultTemporaryFailureTtl;

    public static readonly TimeSpan DefaultTemporaryFailureTtl = TimeSpan.FromSeconds(5);

    /// <summary>Where the system's DNS servers are read from when <see cref="DnsServers"/> is empty
    /// (HOCON <c>actormta.delivery.resolv-conf</c>).</summary>
    public string ResolvConf { get; init; } = Delivery.NameServers.DefaultResolvConf;

    /// <summary>The servers these options name: <see cref="DnsServers"/>, or else the system's.</summary>
    public NameServers NameServers() => new(DnsServers, ResolvConf);

    /// <summary>
    /// Parses the <c>dns-servers</c> list: each entry is "ip", "ip:port", "[ipv6]" or "[ipv6]:port";
    /// a missing port means 53.
    /// </summary>
    /// <exception cref="FormatException">An entry is not an IP address with an optional port.</exception>
    public static IReadOnlyList<IPEndPoint> ParseDnsServers(IEnumerable<string> entries)
    {
        var servers = new List<IPEndPoint>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            // IPEndPoint.TryParse reads a bare IPv6 address as address + port when its last group is numeric,
            // so plain addresses are tried first.
            if (IPAddress.TryParse(entry, out var bare) && !entry.StartsWith('['))
            {
                servers.Add(new IPEndPoint(bare, DefaultDnsPort));
                continue;
            }
            if (!IPEndPoint.TryParse(entry, out var endPoint))
                throw new FormatException($"dns-servers entry '{raw}' is not \"ip\" or \"ip:port\"");
            if (endPoint.Port == 0)
                endPoint = new IPEndPoint(endPoint.Address, DefaultDnsPort);
            servers.Add(endPoint);
        }
        return servers;
    }
}
