using System.Net;

namespace ActorMTA.Protocol.Proxy;

/// <summary>
/// A PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) as a load balancer sends it before the
/// client's first byte. <see cref="Source"/> is the real client; null for v1 UNKNOWN, v2 LOCAL (the balancer's own
/// health check) or an address family without a TCP address, where the connection's own peer address stands.
/// </summary>
/// <param name="Length">Octets the header takes on the wire: exactly these are consumed, the rest is the client's.</param>
public sealed record ProxyProtocolHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination, int Length);

public enum ProxyParseStatus
{
    /// <summary>What arrived so far is a valid beginning: read more.</summary>
    NeedMore,
    Invalid,
    Complete,
}
