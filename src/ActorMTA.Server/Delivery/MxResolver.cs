using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// Finds the hosts that take mail for a domain (RFC 5321 §5.1, RFC 7505 null MX) and caches the answer
/// for the record TTL. Thread-safe; one instance per node is meant to be shared by all delivery actors.
/// </summary>
/// <remarks>
/// Failure codes (RFC 3463):
/// NXDOMAIN for the domain itself → permanent 5.1.2; null MX → permanent 5.1.10; the domain exists but has neither MX
/// nor A/AAAA → permanent 5.4.4 (no route, as Postfix does: retrying cannot create records that the authoritative
/// server says are absent); a name that is not a valid domain name → permanent 5.1.2. Everything else is temporary
/// 4.4.3 and retried on the queue's schedule, as Postfix does: no usable resolver, SERVFAIL, REFUSED, any other
/// response code, timeouts, truncation without a working TCP fallback, any exception of the DNS library, or MX hosts
/// none of which resolve. Trouble on our side of the resolver must never bounce mail.
/// Caching is done here rather than in DnsClient so that the whole resolution (MX plus the hosts'
/// addresses) is one entry with one expiry, and so that equal preferences are shuffled on every read.
/// </remarks>
public sealed class MxResolver
{
    private const string NullMxExchange = ".";

    // A failed query says nothing about how long the other record type stays valid; the temporary-error
    // flag, not the TTL, shortens the cache time then.
    private static readonly TimeSpan UnknownTtl = TimeSpan.MaxValue;

    private readonly MxResolverOptions _options;
    private readonly DnsClientPool _clients;
    private readonly MxResolutionCache _cache;
    private readonly ConcurrentDictionary<string, Lazy<Task<MxResolution>>> _inFlight = new(StringComparer.Ordinal);

    /// <param name="servers">Where queries go; by default the options' servers, else the system's.</param>
    public MxResolver(MxResolverOptions options, TimeProvider? time = null, NameServers? servers = null)
    {
        _options = options;
        _cache = new MxResolutionCache(time ?? TimeProvider.System);
        _clients = new DnsClientPool(servers ?? options.NameServers(), clientOptions =>
        {
            clientOptions.UseCache = false;
            clientOptions.Timeout = options.Timeout;
            clientOptions.Retries = options.Retries;
            clientOptions.UseTcpFallback = true;
            clientOptions.ThrowDnsErrors = false;
            // NODATA is a real answer (it triggers the implicit MX); asking the next server would only cost time.
            clientOptions.ContinueOnEmptyResponse = false;
        });
    }

    /// <summary>The servers lookups go to (for the start-up check and <c>ctl</c>).</summary>
    public NameServers Servers => _clients.Servers;

    /// <summary>
    /// Resolves <paramref name="domain"/>. Never throws for DNS trouble: that becomes a temporary
    /// <see cref="MxResolution.Failure"/>. <paramref name="ct"/> only stops this caller's wait; a lookup
    /// shared with other callers runs on (bounded by the configured timeout and retries).
    /// </summary>
    public async Task<MxResolution> ResolveAsync(string domain, CancellationToken ct)
    {
        var key = NormaliseName(domain);
        if (key.Length == 0)
            return new MxResolution.Failure(true, "5.1.2", "Empty destination domain");
        if (!IsValidDomainName(key))
            return new MxResolution.Failure(true, "5.1.2", $"'{domain}' is not a valid domain name");

        if (_cache.TryGet(key, out var cached))
            return ShuffleEqualPreferences(cached);

        var lookup = _inFlight.GetOrAdd(key, k => new Lazy<Task<MxResolution>>(() => LookupAndCacheAsync(k)));
        var resolution = await lookup.Value.WaitAsync(ct).ConfigureAwait(false);
        return ShuffleEqualPreferences(resolution);
    }

    private async Task<MxResolution> LookupAndCacheAsync(string domain)
    {
        try
        {
            var (resolution, ttl) = await LookupAsync(domain).ConfigureAwait(false);
            Observability.MtaMetrics.DnsLookup(resolution is MxResolution.Failure failure ? failure.Permanent ? "permanent" : "temporary" : "ok");
            _cache.Set(domain, resolution, ttl);
            return resolution;
        }
        finally
        {
            _inFlight.TryRemove(domain, out _);
        }
    }

    private async Task<(MxResolution Resolution, TimeSpan Ttl)> LookupAsync(string domain)
    {
        if (_clients.Client(out var servers) is not { } client)
            return TemporaryFailure($"DNS lookup of MX for {domain} not possible: no usable DNS resolver ({servers.Source})");
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(domain, QueryType.MX, QueryClass.IN, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The name was checked before: whatever the library throws now is resolver or transport trouble.
            return TemporaryFailure($"DNS lookup of MX for {domain} failed: {ex.Message}");
        }

        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                break;
            case DnsHeaderResponseCode.NotExistentDomain:
                return (new MxResolution.Failure(true, "5.1.2", $"Domain {domain} does not exist (NXDOMAIN)"),
                    Clamp(NegativeTtl(response)));
            default:
                return TemporaryFailure($"DNS server answered {response.Header.ResponseCode} for MX of {domain}");
        }

        var mxRecords = response.Answers.MxRecords().ToList();
        if (mxRecords.Count == 0)
            return await ImplicitMxAsync(domain).ConfigureAwait(false);

        if (mxRecords.Count == 1 && mxRecords[0].Preference == 0 && mxRecords[0].Exchange.Value == NullMxExchange)
            return (new MxResolution.Failure(true, "5.1.10", $"Recipient address has null MX ({domain} accepts no mail)"),
                Clamp(TimeSpan.FromSeconds(mxRecords[0].TimeToLive)));

        // A "." among other MX records is a misconfiguration; it names no host, so it is just skipped.
        var exchanges = mxRecords
            .Where(mx => mx.Exchange.Value != NullMxExchange)
            .OrderBy(mx => mx.Preference)
            .DistinctBy(mx => NormaliseName(mx.Exchange.Value))
            .ToList();
        var lookups = await Task.WhenAll(exchanges.Select(mx => LookupAddressesAsync(NormaliseName(mx.Exchange.Value), response.Additionals)))
            .ConfigureAwait(false);

        var hosts = new List<MxHost>();
        var ttl = TimeSpan.FromSeconds(mxRecords.Min(mx => mx.TimeToLive));
        var anyTemporaryError = false;
        for (var i = 0; i < exchanges.Count; i++)
        {
            anyTemporaryError |= lookups[i].TemporaryError;
            if (lookups[i].Addresses.Count == 0)
                continue;
            hosts.Add(new MxHost(NormaliseName(exchanges[i].Exchange.Value), exchanges[i].Preference, lookups[i].Addresses));
            ttl = Min(ttl, lookups[i].Ttl);
        }

        if (hosts.Count == 0)
            return TemporaryFailure($"None of the MX hosts of {domain} ({string.Join(", ", exchanges.Select(mx => NormaliseName(mx.Exchange.Value)))}) resolve to an address");

        ttl = Clamp(ttl);
        // A host that could not be resolved this time may come back soon; do not hide it for a whole TTL.
        if (anyTemporaryError)
            ttl = Min(ttl, _options.TemporaryFailureTtl);
        return (new MxResolution.Hosts(hosts), ttl);
    }

    /// <summary>No MX records: the domain itself is the mail host (RFC 5321 §5.1 implicit MX).</summary>
    private async Task<(MxResolution, TimeSpan)> ImplicitMxAsync(string domain)
    {
        var lookup = await LookupAddressesAsync(domain, []).ConfigureAwait(false);
        if (lookup.Addresses.Count > 0)
            return (new MxResolution.Hosts([new MxHost(domain, 0, lookup.Addresses)]),
                lookup.TemporaryError ? Min(Clamp(lookup.Ttl), _options.TemporaryFailureTtl) : Clamp(lookup.Ttl));
        if (lookup.TemporaryError)
            return TemporaryFailure($"DNS lookup of the address of {domain} failed");
        if (lookup.NotExistent)
            return (new MxResolution.Failure(true, "5.1.2", $"Domain {domain} does not exist (NXDOMAIN)"), Clamp(lookup.Ttl));
        return (new MxResolution.Failure(true, "5.4.4", $"Domain {domain} has no MX and no A/AAAA records"), Clamp(lookup.Ttl));
    }

    /// <summary>
    /// A and AAAA of one host, from the MX answer's additional section when it has them, else queried.
    /// </summary>
    private async Task<AddressLookup> LookupAddressesAsync(string host, IReadOnlyCollection<DnsResourceRecord> additionals)
    {
        var fromAdditionals = additionals
            .Where(r => r is ARecord or AaaaRecord && NormaliseName(r.DomainName.Value) == host)
            .ToList();
        if (fromAdditionals.Count > 0)
        {
            var addresses = OrderIPv4First(fromAdditionals.AddressRecords().Select(r => r.Address));
            return new AddressLookup(addresses, TimeSpan.FromSeconds(fromAdditionals.Min(r => r.TimeToLive)), false, false);
        }

        var a = QueryAddressesAsync(host, QueryType.A);
        var aaaa = QueryAddressesAsync(host, QueryType.AAAA);
        await Task.WhenAll(a, aaaa).ConfigureAwait(false);
        var (v4, v6) = (a.Result, aaaa.Result);
        return new AddressLookup(
            OrderIPv4First(v4.Addresses.Concat(v6.Addresses)),
            Min(v4.Ttl, v6.Ttl),
            v4.TemporaryError || v6.TemporaryError,
            v4.NotExistent && v6.NotExistent);
    }

    private async Task<AddressLookup> QueryAddressesAsync(string host, QueryType type)
    {
        // An MX naming a host that is not a valid name points nowhere, as if the host did not exist.
        if (!IsValidDomainName(host))
            return new AddressLookup([], _options.MinTtl, false, true);
        if (_clients.Client(out _) is not { } client)
            return new AddressLookup([], UnknownTtl, true, false);
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(host, type, QueryClass.IN, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return new AddressLookup([], UnknownTtl, true, false);
        }

        return response.Header.ResponseCode switch
        {
            DnsHeaderResponseCode.NoError when response.Answers.AddressRecords().Any() =>
                new AddressLookup(
                    response.Answers.AddressRecords().Select(r => r.Address).ToList(),
                    TimeSpan.FromSeconds(response.Answers.AddressRecords().Min(r => r.TimeToLive)), false, false),
            DnsHeaderResponseCode.NoError => new AddressLookup([], NegativeTtl(response), false, false),
            DnsHeaderResponseCode.NotExistentDomain => new AddressLookup([], NegativeTtl(response), false, true),
            _ => new AddressLookup([], UnknownTtl, true, false),
        };
    }

    private (MxResolution, TimeSpan) TemporaryFailure(string text) =>
        (new MxResolution.Failure(false, "4.4.3", text), _options.TemporaryFailureTtl);

    /// <summary>RFC 2308: a negative answer lives for the smaller of the SOA's TTL and its MINIMUM field.</summary>
    private TimeSpan NegativeTtl(IDnsQueryResponse response)
    {
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        return soa is null ? _options.MinTtl : TimeSpan.FromSeconds(Math.Min(soa.TimeToLive, (long)soa.Minimum));
    }

    private TimeSpan Clamp(TimeSpan ttl) =>
        ttl < _options.MinTtl ? _options.MinTtl : ttl > _options.MaxTtl ? _options.MaxTtl : ttl;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Whether DNS can be asked about <paramref name="name"/> at all (RFC 1035 §2.3.4: labels of 1 to 63 octets,
    /// 255 in all). Decided before any query, so that a library exception never has to be read as a bad name.
    /// </summary>
    public static bool IsValidDomainName(string name)
    {
        if (name.Length == 0 || name.Length > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63) return false;
            foreach (var c in label)
                if (c <= ' ' || c == 0x7f) return false;
        }
        try
        {
            DnsString.Parse(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IReadOnlyList<IPAddress> OrderIPv4First(IEnumerable<IPAddress> addresses) =>
        addresses.Distinct().OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).ToList();

    private static string NormaliseName(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    private static MxResolution ShuffleEqualPreferences(MxResolution resolution)
    {
        if (resolution is not MxResolution.Hosts { Targets.Count: > 1 } hosts)
            return resolution;
        var ordered = hosts.Targets.ToArray();
        var start = 0;
        while (start < ordered.Length)
        {
            var end = start + 1;
            while (end < ordered.Length && ordered[end].Preference == ordered[start].Preference)
                end++;
            if (end - start > 1)
                Random.Shared.Shuffle(ordered.AsSpan(start, end - start));
            start = end;
        }
        return new MxResolution.Hosts(ordered);
    }

    private sealed record AddressLookup(IReadOnlyList<IPAddress> Addresses, TimeSpan Ttl, bool TemporaryError, bool NotExistent);
}
