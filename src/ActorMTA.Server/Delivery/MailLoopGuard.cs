using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// Tells whether a delivery target is this server itself, so that mail routed back here fails with
/// "554 5.4.6 mail for DOMAIN loops back to myself" (Postfix's wording) instead of circling between our own
/// queue and our own SMTP listener. A target is us when its MX host name is our host name, or when its
/// address and port are one of our SMTP listeners (a listener bound to 0.0.0.0 or :: is every local address).
/// Thread-safe; the local-address list is read off the actor thread and kept for a minute.
/// </summary>
public sealed class MailLoopGuard
{
    private static readonly TimeSpan LocalAddressesLifetime = TimeSpan.FromMinutes(1);

    private readonly string _hostName;
    private readonly IReadOnlyList<IPEndPoint> _listeners;
    private (IReadOnlySet<IPAddress> Addresses, DateTime ReadAt)? _localAddresses;

    /// <param name="hostName">actormta.hostname.</param>
    /// <param name="smtpListeners">Bind address and port of every enabled SMTP listener.</param>
    public MailLoopGuard(string hostName, IReadOnlyList<IPEndPoint> smtpListeners)
    {
        _hostName = Normalize(hostName);
        _listeners = smtpListeners.Select(l => new IPEndPoint(Canonical(l.Address), l.Port)).ToArray();
    }

    /// <summary>Knows no listener (unit tests of the queue, or a node without SMTP): only the host name can match.</summary>
    public static MailLoopGuard HostNameOnly(string hostName) => new(hostName, []);

    /// <summary>Why mail for <paramref name="domain"/> is not sent: it would come straight back.</summary>
    public static MxResolution.Failure LoopFailure(string domain) =>
        new(true, "5.4.6", $"mail for {domain} loops back to myself") { ReplyCode = 554 };

    public bool IsOwnHostName(string host) => _hostName.Length > 0 && Normalize(host) == _hostName;

    /// <summary>True when <paramref name="address"/>:<paramref name="port"/> is where one of our SMTP listeners accepts.</summary>
    /// <param name="localAddresses">This machine's addresses, for listeners bound to every address.</param>
    public bool IsOwnEndpoint(IPAddress address, int port, IReadOnlySet<IPAddress> localAddresses)
    {
        var target = Canonical(address);
        foreach (var listener in _listeners)
        {
            if (listener.Port != port) continue;
            if (listener.Address.Equals(target)) return true;
            if (IsWildcard(listener.Address) && (IPAddress.IsLoopback(target) || localAddresses.Contains(target))) return true;
        }
        return false;
    }

    /// <summary>
    /// The MX hosts to use: those more preferred than any MX that is us (as Postfix does: an MX that is us, and
    /// every one no better than it, is dropped). Empty when the best MX is us: the mail would loop.
    /// </summary>
    public IReadOnlyList<MxHost> WithoutSelf(IReadOnlyList<MxHost> hosts, int port, IReadOnlySet<IPAddress> localAddresses)
    {
        var own = hosts.Where(h => IsOwnHostName(h.Name) || h.Addresses.Any(a => IsOwnEndpoint(a, port, localAddresses))).ToList();
        if (own.Count == 0) return hosts;
        var ours = own.Min(h => h.Preference);
        return hosts.Where(h => h.Preference < ours).ToArray();
    }

    /// <summary>This machine's addresses when a listener is bound to every address and a target may be one of them; else empty.</summary>
    public async Task<IReadOnlySet<IPAddress>> LocalAddressesAsync(IEnumerable<int> targetPorts)
    {
        if (!_listeners.Any(l => IsWildcard(l.Address) && targetPorts.Contains(l.Port))) return EmptySet;
        if (_localAddresses is { } cached && DateTime.UtcNow - cached.ReadAt < LocalAddressesLifetime) return cached.Addresses;
        // Reading the interfaces is a system call: never on the caller's (an actor's) thread.
        var addresses = await Task.Run(ReadLocalAddresses).ConfigureAwait(false);
        _localAddresses = (addresses, DateTime.UtcNow);
        return addresses;
    }

    private static IReadOnlySet<IPAddress> ReadLocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(u => Canonical(u.Address))
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return EmptySet;
        }
    }

    private static readonly IReadOnlySet<IPAddress> EmptySet = new HashSet<IPAddress>();

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static IPAddress Canonical(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        // fe80::1%eth0 and fe80::1 are the same address of this machine.
        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;
    }

    private static string Normalize(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}
