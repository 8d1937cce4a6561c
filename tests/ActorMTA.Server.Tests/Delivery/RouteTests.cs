using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>actormta.delivery.routes sends a domain (or every domain) to a fixed host instead of its MX.</summary>
public sealed class RouteTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, """
        actormta.delivery.routes {
          # By address, port from remote-smtp-port: one.test's MX is receiver 0, the route says receiver 2.
          "one.test" = "127.0.0.4"
          # Everything else to a host name resolved with A records (mx.two.test = receiver 1), not MX.
          "*" = "mx.two.test"
        }
        """), IClassFixture<DeliveryZoneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_domain_route_wins_over_the_domains_mx()
    {
        Enqueue("one.test", Message("routed by address"));

        Assert.Contains("routed by address", Assert.Single(await Receivers[2].WaitForMessagesAsync(1, Wait)).Text);
        Assert.Empty(Receivers[0].Messages);
    }

    [Fact]
    public async Task The_wildcard_route_takes_every_other_domain_even_one_without_dns()
    {
        Enqueue("no-such-domain.test", Message("smarthost"));

        Assert.Contains("smarthost", Assert.Single(await Receivers[1].WaitForMessagesAsync(1, Wait)).Text);
        await WaitForEmptyQueueAsync("no-such-domain.test", Wait);
    }
}
