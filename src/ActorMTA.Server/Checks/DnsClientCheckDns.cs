using System.Net;
using System.Net.Sockets;
using ActorMTA.Server.Delivery;
using DnsClient;
using DnsClient.Protocol;

namespace ActorMTA.Server.Checks;

/// <summary>
/// <see cref="ICheckDns"/> over DnsClient and the node's name servers (<c>actormta.delivery.dns-servers</c>, else
/// /etc/resolv.conf). DnsClient's own cache is on: SPF, DKIM and DMARC ask the same few names for every message of
/// a sender, and the records' TTLs say how long the answers stay good. Thread-safe; one per node.
/// </summary>
public sealed class DnsClientCheckDns : ICheckDns
{
    private readonly DnsClientPool _clients;

    public DnsClientCheckDns(NameServers servers, TimeSpan timeout, int retries)
    {
        _clients = new DnsClientPool(servers, options =>
        {
            options.UseCache = true;
            options.Timeout = timeout;
            options.Retries = retries;
            options.UseTcpFallback = true;
            options.ThrowDnsErrors = false;
            options.ContinueOnEmptyResponse = false;
            // NXDOMAIN and NODATA are answers the checks act on; keep them briefly so a flood of one sender stays cheap.
            options.CacheFailedResults = true;
            options.FailedResultsCacheDuration = TimeSpan.FromSeconds(30);
        });
    }

    public static DnsClientCheckDns For(MxResolverOptions options) => new(options.NameServers(), options.Timeout, options.Retries);

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken ct) =>
        QueryAsync(name, QueryType.TXT, r => r.OfType<TxtRecord>().Select(t => string.Concat(t.Text)), ct);

    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken ct) =>
        QueryAsync(name, QueryType.A, r => r.OfType<ARecord>().Select(a => a.Address), ct);

    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken ct) =>
        QueryAsync(name, QueryType.AAAA, r => r.OfType<AaaaRecord>().Select(a => a.Address), ct);

    public Task<DnsAnswer<MxRecordData>> MxAsync(string name, CancellationToken ct) =>
        QueryAsync(name, QueryType.MX, r => r.OfType<MxRecord>().Select(m => new MxRecordData(m.Preference, TrimDot(m.Exchange.Value))), ct);

    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken ct) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, r => r.OfType<PtrRecord>().Select(p => TrimDot(p.PtrDomainName.Value)), ct);

    private async Task<DnsAnswer<T>> QueryAsync<T>(string name, QueryType type, Func<IEnumerable<DnsResourceRecord>, IEnumerable<T>> select, CancellationToken ct)
    {
        var client = _clients.Client(out _);
        if (client is null) return DnsAnswer<T>.TempError;
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(TrimDot(name), type, QueryClass.IN, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is DnsResponseException or ArgumentException or SocketException or OperationCanceledException or TimeoutException)
        {
            return DnsAnswer<T>.TempError;
        }
        if (response.HasError)
            return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? DnsAnswer<T>.NxDomain : DnsAnswer<T>.TempError;
        // Only the records of the asked type at the asked name (CNAMEs are followed by the server; the chain's own records are skipped).
        return DnsAnswer<T>.Of(select(response.Answers).ToList());
    }

    private static string TrimDot(string name) => name.EndsWith('.') ? name[..^1] : name;
}
