using System.Net;

namespace ActorMTA.Server.Delivery;

/// <summary>The DNS servers in use and where they came from; none means no usable resolver, and <see cref="Source"/> says why.</summary>
public sealed record NameServerSet(IReadOnlyList<IPEndPoint> Servers, string Source)
{
    public bool IsUsable => Servers.Count > 0;

    /// <summary>One line for the log and <c>ctl</c>: "dns: 127.0.0.1:53 (from /etc/resolv.conf)" or "dns: no usable resolver (…)".</summary>
    public string Describe() => IsUsable
        ? $"dns: {string.Join(", ", Servers)} (from {Source})"
        : $"dns: no usable resolver ({Source})";
}
