using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// A and AAAA of a route's host name (a smarthost is an address, not a mail domain: no MX lookup), over the
/// same DNS servers as MX resolution. An IP literal is returned as is. Thread-safe.
/// </summary>
public sealed class HostAddressResolver
{
    private readonly LookupClient _client;

    public HostAddressResolver(MxResolverOptions options)
    {
        var clientOptions = options.DnsServers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions(options.DnsServers.ToArray());
        clientOptions.Timeout = options.Timeout;
        clientOptions.Retries = options.Retries;
        clientOptions.ThrowDnsErrors = false;
        clientOptions.UseCache = true;
        _client = new LookupClient(clientOptions);
    }

    /// <summary>IPv4 first; empty when the name does not resolve (a temporary failure for the caller).</summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal)) return [literal];
        try
        {
            var a = _client.QueryAsync(host, QueryType.A, QueryClass.IN, ct);
            var aaaa = _client.QueryAsync(host, QueryType.AAAA, QueryClass.IN, ct);
            await Task.WhenAll(a, aaaa).ConfigureAwait(false);
            return a.Result.Answers.ARecords().Select(r => r.Address)
                .Concat(aaaa.Result.Answers.AaaaRecords().Select(r => r.Address))
                .Distinct()
                .OrderBy(ip => ip.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                .ToArray();
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or TimeoutException or OperationCanceledException or IOException)
        {
            return [];
        }
    }
}
