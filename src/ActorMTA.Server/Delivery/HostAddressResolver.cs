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
    private readonly DnsClientPool _clients;

    /// <param name="servers">Where queries go; by default the options' servers, else the system's.</param>
    public HostAddressResolver(MxResolverOptions options, NameServers? servers = null)
    {
        _clients = new DnsClientPool(servers ?? options.NameServers(), clientOptions =>
        {
            clientOptions.Timeout = options.Timeout;
            clientOptions.Retries = options.Retries;
            clientOptions.ThrowDnsErrors = false;
            clientOptions.UseCache = true;
        });
    }

    /// <summary>
    /// IPv4 first; empty when the name does not resolve, for whatever reason (no usable resolver, timeout, any error
    /// of the DNS library): the caller defers, a route's host is configuration and never a reason to bounce.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal)) return [literal];
        if (_clients.Client(out _) is not { } client) return [];
        try
        {
            var a = client.QueryAsync(host, QueryType.A, QueryClass.IN, ct);
            var aaaa = client.QueryAsync(host, QueryType.AAAA, QueryClass.IN, ct);
            await Task.WhenAll(a, aaaa).ConfigureAwait(false);
            return a.Result.Answers.ARecords().Select(r => r.Address)
                .Concat(aaaa.Result.Answers.AaaaRecords().Select(r => r.Address))
                .Distinct()
                .OrderBy(ip => ip.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                .ToArray();
        }
        catch (Exception)
        {
            return [];
        }
    }
}
