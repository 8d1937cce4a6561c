using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// One dnsmasq shared by the MX resolver tests, serving the .test zone below. Each test uses its own
/// domains (or counts query deltas), so sharing the server keeps them independent.
/// </summary>
public sealed class MxZoneFixture : IAsyncLifetime
{
    public DnsmasqServer Dns { get; private set; } = null!;

    public static string Config(int closedPort) => $"""
        # Authoritative for .test: unknown names there are NXDOMAIN; other zones are REFUSED (no upstream).
        local=/test/
        local-ttl=60

        mx-host=ordered.test,c.ordered.test,30
        mx-host=ordered.test,a.ordered.test,10
        mx-host=ordered.test,b.ordered.test,20
        host-record=a.ordered.test,127.0.0.1
        host-record=b.ordered.test,127.0.0.2
        host-record=c.ordered.test,127.0.0.3

        mx-host=shuffle.test,first.shuffle.test,5
        mx-host=shuffle.test,x.shuffle.test,10
        mx-host=shuffle.test,y.shuffle.test,10
        host-record=first.shuffle.test,127.0.0.10
        host-record=x.shuffle.test,127.0.0.11
        host-record=y.shuffle.test,127.0.0.12

        mx-host=dual.test,mx.dual.test,10
        host-record=mx.dual.test,127.0.0.20,::1

        host-record=implicit.test,127.0.0.30,::1

        # RFC 7505 null MX: preference 0 (0000), exchange = root name (00).
        dns-rr=nullmx.test,15,000000

        mx-host=partial.test,gone.partial.test,5
        mx-host=partial.test,ok.partial.test,10
        host-record=ok.partial.test,127.0.0.40

        mx-host=dangling.test,gone1.dangling.test,10
        mx-host=dangling.test,gone2.dangling.test,20

        # Exists (has a TXT record) but has neither MX nor address.
        txt-record=noaddress.test,"no mail here"

        mx-host=cached.test,mx.cached.test,10
        host-record=mx.cached.test,127.0.0.50
        mx-host=expiring.test,mx.expiring.test,10
        host-record=mx.expiring.test,127.0.0.51
        mx-host=concurrent.test,mx.concurrent.test,10
        host-record=mx.concurrent.test,127.0.0.52
        host-record=marker1.test,127.0.0.60
        host-record=marker2.test,127.0.0.61
        host-record=marker3.test,127.0.0.62

        # Forwarded to a port where nothing listens: dnsmasq never answers, the client times out.
        server=/timeout.test/127.0.0.1#{closedPort}
        """;

    public async Task InitializeAsync() => Dns = await DnsmasqServer.StartAsync(Config(DnsmasqServer.ClosedUdpPort()));

    public async Task DisposeAsync() => await Dns.DisposeAsync();
}
