using System.Net;

namespace ActorMTA.Server.Hosting;

public enum ListenerProtocol { Smtp, Pop3, Imap }

public enum TlsMode { None, StartTls, Implicit }

/// <summary>One block of actormta.listeners.</summary>
public sealed record ListenerSettings(string Name, ListenerProtocol Protocol, IPAddress Bind, int Port, TlsMode Tls, bool Submission, bool Enabled)
{
    /// <summary>Every connection starts with a PROXY protocol header (v1 or v2) from a trusted load balancer.</summary>
    public bool ProxyProtocol { get; init; }
}

/// <summary>actormta.proxy-protocol: who may send PROXY headers, and how long a header may take.</summary>
public sealed record ProxyProtocolSettings(IReadOnlyList<IPNetwork> TrustedNetworks, TimeSpan HeaderTimeout)
{
    public static readonly ProxyProtocolSettings None = new([], TimeSpan.FromSeconds(5));

    public bool Trusts(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return TrustedNetworks.Any(n => n.Contains(address));
    }
}
