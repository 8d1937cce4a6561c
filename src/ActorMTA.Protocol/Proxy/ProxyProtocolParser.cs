using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Protocol.Proxy;

/// <summary>
/// Parses a PROXY protocol header from the first bytes of a connection (pure: the caller peeks at the socket and
/// consumes <see cref="ProxyProtocolHeader.Length"/> octets once the header is complete). Version 1 is the text form
/// ("PROXY TCP4 src dst sport dport\r\n", at most 107 octets); version 2 the binary form with its 12-octet signature,
/// whose TLVs are skipped.
/// </summary>
public static class ProxyProtocolParser
{
    /// <summary>The longest version 1 line, CRLF included (proxy-protocol.txt section 2.1).</summary>
    public const int MaxV1Length = 107;

    /// <summary>Version 2: the fixed part before the addresses.</summary>
    public const int V2FixedLength = 16;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (data.IsEmpty) return ProxyParseStatus.NeedMore;
        if (IsPrefix(data, V2Signature)) return data.Length < V2Signature.Length ? ProxyParseStatus.NeedMore : ParseV2(data, out header, out error);
        if (IsPrefix(data, V1Prefix)) return data.Length < V1Prefix.Length ? ProxyParseStatus.NeedMore : ParseV1(data, out header, out error);
        error = "no PROXY protocol header";
        return ProxyParseStatus.Invalid;
    }

    /// <summary>True when the shorter of the two is a prefix of the other.</summary>
    private static bool IsPrefix(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        data[..Math.Min(data.Length, signature.Length)].SequenceEqual(signature[..Math.Min(data.Length, signature.Length)]);

    private static ProxyParseStatus ParseV1(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out string? error)
    {
        header = null;
        error = null;
        var end = data[..Math.Min(data.Length, MaxV1Length)].IndexOf("\r\n"u8);
        if (end < 0)
        {
            if (data.Length >= MaxV1Length || data.IndexOf((byte)'\n') >= 0)
            {
                error = "PROXY v1 line too long or not ended by CRLF";
                return ProxyParseStatus.Invalid;
            }
            return ProxyParseStatus.NeedMore;
        }
        var line = Encoding.ASCII.GetString(data[..end]);
        var parts = line.Split(' ');
        var length = end + 2;
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            // The sender could not tell (or it is a health check): whatever follows is ignored.
            header = new ProxyProtocolHeader(1, null, null, length);
            return ProxyParseStatus.Complete;
        }
        if (parts.Length != 6 || parts[1] is not ("TCP4" or "TCP6"))
        {
            error = "PROXY v1 needs TCP4/TCP6, two addresses and two ports";
            return ProxyParseStatus.Invalid;
        }
        var family = parts[1] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!TryAddress(parts[2], family, out var source) || !TryAddress(parts[3], family, out var destination)
            || !TryPort(parts[4], out var sourcePort) || !TryPort(parts[5], out var destinationPort))
        {
            error = "PROXY v1 address or port malformed";
            return ProxyParseStatus.Invalid;
        }
        header = new ProxyProtocolHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), length);
        return ProxyParseStatus.Complete;
    }

    private static bool TryAddress(string text, AddressFamily family, out IPAddress address) =>
        IPAddress.TryParse(text, out address!) && address.AddressFamily == family
        // IPAddress.TryParse takes "1" or "1.2" for IPv4; the header has the dotted quad only.
        && (family != AddressFamily.InterNetwork || text.Count(c => c == '.') == 3);

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is >= 1 and <= 5 && text.All(char.IsAsciiDigit) && (text == "0" || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }

    private static ProxyParseStatus ParseV2(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (data.Length < V2FixedLength) return ProxyParseStatus.NeedMore;
        var versionCommand = data[12];
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1)
        {
            error = "PROXY v2 version or command unknown";
            return ProxyParseStatus.Invalid;
        }
        var local = (versionCommand & 0x0F) == 0;
        var family = data[13] >> 4;
        var transport = data[13] & 0x0F;
        var addressLength = BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        var length = V2FixedLength + addressLength;
        if (data.Length < length) return ProxyParseStatus.NeedMore;
        var addresses = data[V2FixedLength..length];
        if (local || transport != 1)
        {
            // LOCAL: the balancer's own connection. Not a stream (or unspecified): no TCP client address to take.
            header = new ProxyProtocolHeader(2, null, null, length);
            return ProxyParseStatus.Complete;
        }
        switch (family)
        {
            case 1 when addresses.Length >= 12:
                header = new ProxyProtocolHeader(2,
                    new IPEndPoint(new IPAddress(addresses[..4]), BinaryPrimitives.ReadUInt16BigEndian(addresses[8..10])),
                    new IPEndPoint(new IPAddress(addresses[4..8]), BinaryPrimitives.ReadUInt16BigEndian(addresses[10..12])), length);
                return ProxyParseStatus.Complete;
            case 2 when addresses.Length >= 36:
                header = new ProxyProtocolHeader(2,
                    new IPEndPoint(new IPAddress(addresses[..16]), BinaryPrimitives.ReadUInt16BigEndian(addresses[32..34])),
                    new IPEndPoint(new IPAddress(addresses[16..32]), BinaryPrimitives.ReadUInt16BigEndian(addresses[34..36])), length);
                return ProxyParseStatus.Complete;
            case 1 or 2:
                error = "PROXY v2 address block too short";
                return ProxyParseStatus.Invalid;
            default:
                // AF_UNSPEC or AF_UNIX: no IP client address.
                header = new ProxyProtocolHeader(2, null, null, length);
                return ProxyParseStatus.Complete;
        }
    }
}
