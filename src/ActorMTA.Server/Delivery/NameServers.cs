using System.Net;
using DnsClient;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// The DNS servers lookups go to: the configured ones (<c>actormta.delivery.dns-servers</c>), or else the system's,
/// read from resolv.conf. The file is read again when it changes, so a resolver that appears (or is fixed) later is
/// used without a restart. An empty list is a state of its own, "no usable resolver": lookups then fail temporarily
/// instead of handing DnsClient an empty list (which it answers with an exception that looked like a bad name).
/// Thread-safe.
/// </summary>
public sealed class NameServers
{
    public const string DefaultResolvConf = "/etc/resolv.conf";

    // Reading the file's time stamp is cheap but not free; a lookup burst checks it once.
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IPEndPoint>? _configured;
    private readonly string _resolvConf;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private NameServerSet _current;
    private DateTimeOffset _nextCheck;
    private DateTime? _fileStamp;

    /// <param name="configured">The servers from the configuration; empty means the system's.</param>
    /// <param name="resolvConf">Where the system's servers are read from (on Windows, where there is no such file, the
    /// network adapters' servers are used when it does not exist).</param>
    public NameServers(IReadOnlyList<IPEndPoint> configured, string resolvConf = DefaultResolvConf, TimeProvider? time = null)
    {
        _configured = configured.Count > 0 ? configured : null;
        _resolvConf = resolvConf;
        _time = time ?? TimeProvider.System;
        _current = _configured is not null ? new NameServerSet(_configured, "dns-servers") : ReadSystem();
        _nextCheck = _time.GetUtcNow() + RecheckEvery;
    }

    /// <summary>The servers to ask now (possibly none: see <see cref="NameServerSet.IsUsable"/>).</summary>
    public NameServerSet Current()
    {
        if (_configured is not null) return _current;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (now < _nextCheck) return _current;
            _nextCheck = now + RecheckEvery;
            if (Stamp() != _fileStamp) _current = ReadSystem();
            return _current;
        }
    }

    private DateTime? Stamp()
    {
        try { return File.Exists(_resolvConf) ? File.GetLastWriteTimeUtc(_resolvConf) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private NameServerSet ReadSystem()
    {
        _fileStamp = Stamp();
        if (_fileStamp is null)
        {
            if (OperatingSystem.IsWindows()) return FromAdapters();
            return new NameServerSet([], $"{_resolvConf} does not exist or cannot be read, and dns-servers is empty");
        }
        string text;
        try { text = File.ReadAllText(_resolvConf); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new NameServerSet([], $"{_resolvConf} cannot be read ({e.Message}), and dns-servers is empty");
        }
        var servers = ParseResolvConf(text);
        return servers.Count > 0
            ? new NameServerSet(servers, _resolvConf)
            : new NameServerSet([], $"no nameserver line in {_resolvConf}, and dns-servers is empty");
    }

    private static NameServerSet FromAdapters()
    {
        try
        {
            var servers = NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false)
                .Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port)).ToArray();
            return new NameServerSet(servers, servers.Length > 0 ? "network adapters" : "no DNS server on any network adapter, and dns-servers is empty");
        }
        catch (Exception e)
        {
            return new NameServerSet([], $"the system's DNS servers cannot be found ({e.Message}), and dns-servers is empty");
        }
    }

    /// <summary>
    /// The <c>nameserver</c> entries of a resolv.conf (resolv.conf(5)): one address each, port 53; comments (# or ;),
    /// other options and entries that are not an address are skipped, and so is 0.0.0.0/:: (no server).
    /// </summary>
    public static IReadOnlyList<IPEndPoint> ParseResolvConf(string text)
    {
        var servers = new List<IPEndPoint>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine;
            var comment = line.IndexOfAny(['#', ';']);
            if (comment >= 0) line = line[..comment];
            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0] != "nameserver") continue;
            if (!IPAddress.TryParse(fields[1], out var address)) continue;
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) continue;
            var endPoint = new IPEndPoint(address, MxResolverOptions.DefaultDnsPort);
            if (!servers.Contains(endPoint)) servers.Add(endPoint);
        }
        return servers;
    }
}
