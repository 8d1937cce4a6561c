using System.Net;
using ActorMTA.Server.Delivery;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class MxResolverOptionsTests
{
    [Fact]
    public void Dns_server_entries_take_an_optional_port_defaulting_to_53()
    {
        var servers = MxResolverOptions.ParseDnsServers(["127.0.0.1:5353", "10.0.0.1", " [::1]:5300 ", "::1", "[fe80::1]"]);

        Assert.Equal(
            [
                new IPEndPoint(IPAddress.Loopback, 5353),
                new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53),
                new IPEndPoint(IPAddress.IPv6Loopback, 5300),
                new IPEndPoint(IPAddress.IPv6Loopback, 53),
                new IPEndPoint(IPAddress.Parse("fe80::1"), 53),
            ],
            servers);
    }

    [Fact]
    public void Empty_list_means_the_system_resolver()
    {
        Assert.Empty(MxResolverOptions.ParseDnsServers([]));
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("127.0.0.1:notaport")]
    [InlineData("")]
    public void Entries_that_are_not_addresses_are_rejected(string entry)
    {
        Assert.Throws<FormatException>(() => MxResolverOptions.ParseDnsServers([entry]));
    }
}
