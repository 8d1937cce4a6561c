using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// One dnsmasq for the delivery tests. Every MX name points at a 127.0.0.x address where a test's
/// <see cref="ActorMTA.TestSupport.ScriptedSmtpReceiver"/> group listens (all on one port = remote-smtp-port):
/// .2 = receiver 0, .3 = receiver 1, .4 = receiver 2, .5 = receiver 3.
/// </summary>
public sealed class DeliveryZoneFixture : IAsyncLifetime
{
    public static readonly string[] ReceiverAddresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];

    public DnsmasqServer Dns { get; private set; } = null!;

    private const string Zones = """
        local=/test/
        local-ttl=60

        # Two MX hosts: preference 10 on receiver 0, 20 on receiver 1.
        mx-host=twomx.test,mx1.twomx.test,10
        mx-host=twomx.test,mx2.twomx.test,20
        host-record=mx1.twomx.test,127.0.0.2
        host-record=mx2.twomx.test,127.0.0.3

        # No MX: the domain's own address (receiver 2) is the mail host.
        host-record=implicit.test,127.0.0.4

        # RFC 7505 null MX.
        dns-rr=nullmx.test,15,000000

        # One MX each, for tests that need separate domains.
        mx-host=one.test,mx.one.test,10
        host-record=mx.one.test,127.0.0.2
        mx-host=two.test,mx.two.test,10
        host-record=mx.two.test,127.0.0.3
        mx-host=three.test,mx.three.test,10
        host-record=mx.three.test,127.0.0.4
        mx-host=four.test,mx.four.test,10
        host-record=mx.four.test,127.0.0.5
        """;

    public async Task InitializeAsync() => Dns = await DnsmasqServer.StartAsync(Zones);

    public async Task DisposeAsync() => await Dns.DisposeAsync();
}
