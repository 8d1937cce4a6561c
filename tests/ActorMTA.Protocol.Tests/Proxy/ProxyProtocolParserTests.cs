using System.Net;
using System.Text;
using ActorMTA.Protocol.Proxy;
using Xunit;

namespace ActorMTA.Protocol.Tests.Proxy;

/// <summary>PROXY protocol headers as HAProxy's proxy-protocol.txt defines them (versions 1 and 2).</summary>
public class ProxyProtocolParserTests
{
    private static (ProxyParseStatus Status, ProxyProtocolHeader? Header) Parse(byte[] data)
    {
        var status = ProxyProtocolParser.TryParse(data, out var header, out _);
        return (status, header);
    }

    private static (ProxyParseStatus Status, ProxyProtocolHeader? Header) Parse(string text) => Parse(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void A_v1_tcp4_header_names_the_client_and_its_length_excludes_what_follows()
    {
        var (status, header) = Parse("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nEHLO x\r\n");
        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.1"), 56324), header!.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.11"), 443), header.Destination);
        Assert.Equal((1, 47), (header.Version, header.Length));
    }

    [Fact]
    public void A_v1_tcp6_header_and_the_longest_possible_line_are_taken()
    {
        var (_, six) = Parse("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), six!.Source);

        // The worst case of section 2.1 (UNKNOWN with two full IPv6 addresses): 107 octets.
        var longest = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"
            .Replace("ffff:f...f:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        Assert.Equal(ProxyProtocolParser.MaxV1Length, longest.Length);
        Assert.Equal(ProxyParseStatus.Complete, Parse(longest).Status);
    }

    [Fact]
    public void A_v1_unknown_header_names_nobody()
    {
        var (status, header) = Parse("PROXY UNKNOWN\r\n");
        Assert.Equal((ProxyParseStatus.Complete, (IPEndPoint?)null, 15), (status, header!.Source, header.Length));
        Assert.Null(Parse("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n").Header!.Source);
    }

    [Theory]
    [InlineData("")]
    [InlineData("PRO")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 44")]
    [InlineData("\r\n\r\n\0\r\nQ")]
    public void A_beginning_of_a_header_asks_for_more(string text) => Assert.Equal(ProxyParseStatus.NeedMore, Parse(text).Status);

    [Theory]
    [InlineData("EHLO client.example\r\n")] // no header at all: a client talking directly to a proxy port
    [InlineData("GET / HTTP/1.0\r\n")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 192.168.0.11 1 2\r\n")] // family and address disagree
    [InlineData("PROXY TCP4 192.168.1 192.168.0.11 1 2\r\n")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 65536 2\r\n")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 01 2\r\n")]
    [InlineData("PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n")]
    [InlineData("PROXY TCP4  192.168.0.1 192.168.0.11 1 2\r\n")]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 1 2\n")]
    public void A_malformed_header_is_invalid(string text) => Assert.Equal(ProxyParseStatus.Invalid, Parse(text).Status);

    [Fact]
    public void A_v1_line_without_crlf_in_107_octets_is_invalid()
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse("PROXY TCP6 " + new string('f', 120)).Status);
    }

    private static byte[] V2(byte versionCommand, byte family, byte[] addresses)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        return [.. signature, versionCommand, family, (byte)(addresses.Length >> 8), (byte)addresses.Length, .. addresses];
    }

    [Fact]
    public void A_v2_proxy_header_over_tcp4_with_tlvs_names_the_client()
    {
        byte[] tlv = [0x04, 0x00, 0x02, 0xAB, 0xCD]; // PP2_TYPE_NOOP with two octets, skipped
        var data = V2(0x21, 0x11, [203, 0, 113, 9, 10, 0, 0, 1, 0x9C, 0x40, 0x00, 0x19, .. tlv]);
        var (status, header) = Parse([.. data, (byte)'x']);
        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 40000), header!.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 25), header.Destination);
        Assert.Equal((2, data.Length), (header.Version, header.Length));
        Assert.Equal(ProxyParseStatus.NeedMore, Parse(data[..^1]).Status);
    }

    [Fact]
    public void A_v2_header_over_tcp6_and_a_local_one()
    {
        var six = new byte[36];
        IPAddress.Parse("2001:db8::7").GetAddressBytes().CopyTo(six, 0);
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(six, 16);
        six[32] = 0x01; six[33] = 0x02; six[35] = 25;
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 258), Parse(V2(0x21, 0x21, six)).Header!.Source);

        // LOCAL (the balancer's health check): addresses, if any, are ignored.
        var local = Parse(V2(0x20, 0x00, []));
        Assert.Equal((ProxyParseStatus.Complete, (IPEndPoint?)null), (local.Status, local.Header!.Source));
        // AF_UNIX and UDP carry no TCP client.
        Assert.Null(Parse(V2(0x21, 0x31, new byte[216])).Header!.Source);
        Assert.Null(Parse(V2(0x21, 0x12, new byte[12])).Header!.Source);
    }

    [Fact]
    public void A_v2_header_with_a_wrong_version_command_or_short_addresses_is_invalid()
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(V2(0x11, 0x11, new byte[12])).Status);
        Assert.Equal(ProxyParseStatus.Invalid, Parse(V2(0x22, 0x11, new byte[12])).Status);
        Assert.Equal(ProxyParseStatus.Invalid, Parse(V2(0x21, 0x11, new byte[8])).Status);
        Assert.Equal(ProxyParseStatus.Invalid, Parse(V2(0x21, 0x21, new byte[12])).Status);
    }
}
