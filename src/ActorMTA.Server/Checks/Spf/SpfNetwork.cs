using System.Net;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>CIDR comparison of the client address with a network (RFC 7208 section 5.6).</summary>
public static class SpfNetwork
{
    /// <summary>Whether <paramref name="ip"/> is in <paramref name="network"/>/<paramref name="prefix"/>. Addresses
    /// of different families never match: ip4 does not match an IPv6 client.</summary>
    public static bool Contains(IPAddress network, int prefix, IPAddress ip)
    {
        if (network.AddressFamily != ip.AddressFamily) return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        if (!network.TryWriteBytes(a, out var length) || !ip.TryWriteBytes(b, out _)) return false;
        prefix = Math.Clamp(prefix, 0, length * 8);
        var whole = prefix / 8;
        if (!a[..whole].SequenceEqual(b[..whole])) return false;
        var bits = prefix % 8;
        if (bits == 0) return true;
        var mask = (byte)(0xff << (8 - bits));
        return (a[whole] & mask) == (b[whole] & mask);
    }
}
