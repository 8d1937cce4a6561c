using System.Net;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

public sealed class ProxyProtocolSettingsTests
{
    [Fact]
    public void By_default_no_listener_expects_a_header_and_nobody_is_trusted()
    {
        var settings = ServerSettings.FromConfig(NodeConfig.ActorMta(""));
        Assert.All(settings.Listeners, l => Assert.False(l.ProxyProtocol));
        Assert.False(settings.ProxyProtocol.Trusts(IPAddress.Loopback));
    }

    [Fact]
    public void A_proxy_listener_reads_its_trusted_networks_and_maps_ipv4_in_ipv6()
    {
        var settings = ServerSettings.FromConfig(NodeConfig.ActorMta("""
            actormta.listeners.imap.proxy-protocol = on
            actormta.proxy-protocol { trusted-networks = ["10.0.0.0/24", "2001:db8::/64"], header-timeout = 3s }
            """));
        Assert.True(settings.Listeners.Single(l => l.Name == "imap").ProxyProtocol);
        Assert.False(settings.Listeners.Single(l => l.Name == "smtp").ProxyProtocol);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.ProxyProtocol.HeaderTimeout);
        Assert.True(settings.ProxyProtocol.Trusts(IPAddress.Parse("10.0.0.9")));
        Assert.True(settings.ProxyProtocol.Trusts(IPAddress.Parse("::ffff:10.0.0.9")));
        Assert.True(settings.ProxyProtocol.Trusts(IPAddress.Parse("2001:db8::77")));
        Assert.False(settings.ProxyProtocol.Trusts(IPAddress.Parse("10.0.1.9")));
    }

    [Fact]
    public void A_proxy_listener_without_trusted_networks_refuses_to_start()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            ServerSettings.FromConfig(NodeConfig.ActorMta("actormta.listeners.smtp.proxy-protocol = on")));
        Assert.Contains("trusted-networks", error.Message);
    }
}
