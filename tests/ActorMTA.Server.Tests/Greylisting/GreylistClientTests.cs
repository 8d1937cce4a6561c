using System.Net;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Greylisting;
using Xunit;

namespace ActorMTA.Server.Tests.Greylisting;

/// <summary>The client's own decisions, with a probe standing in for the shard region.</summary>
public sealed class GreylistClientTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly GreylistSettings Enabled = new()
    {
        Enabled = true,
        Whitelist = GreylistWhitelist.Parse(["198.51.100.0/24", "partner.example"]),
    };

    [Fact]
    public async Task The_whitelist_is_answered_without_asking_the_region()
    {
        var region = CreateTestProbe();
        var client = new GreylistClient(region, Enabled);

        var byNetwork = await client.CheckAsync(IPAddress.Parse("198.51.100.9"), "x@spam.test", "bob@example.org", TimeSpan.FromSeconds(1));
        var byDomain = await client.CheckAsync(IPAddress.Parse("192.0.2.1"), "alice@mx.partner.example", "bob@example.org", TimeSpan.FromSeconds(1));

        Assert.Equal(("198.51.100.0/24", GreylistOutcome.Whitelisted, "198.51.100.0/24"), (byNetwork.Network, byNetwork.Outcome, byNetwork.Detail));
        Assert.Equal((GreylistOutcome.Whitelisted, "partner.example"), (byDomain.Outcome, byDomain.Detail));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Turned_off_it_asks_nobody()
    {
        var region = CreateTestProbe();
        var verdict = await new GreylistClient(region, new GreylistSettings()).CheckAsync(IPAddress.Parse("192.0.2.1"), "", "bob@example.org", TimeSpan.FromSeconds(1));
        Assert.Equal(GreylistOutcome.Disabled, verdict.Outcome);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task It_asks_the_entity_of_the_client_network_and_returns_its_verdict()
    {
        var region = CreateTestProbe();
        var pending = new GreylistClient(region, Enabled).CheckAsync(IPAddress.Parse("::ffff:192.0.2.77"), "<>", "bob@example.org", TimeSpan.FromSeconds(5));

        Assert.Equal(new CheckGreylist("192.0.2.0/24", "<>", "bob@example.org"), region.ExpectMsg<CheckGreylist>());
        region.Reply(GreylistVerdict.Defer("192.0.2.0/24", TimeSpan.FromMinutes(4)));

        Assert.Equal(GreylistVerdict.Defer("192.0.2.0/24", TimeSpan.FromMinutes(4)), await pending);
    }

    [Fact]
    public async Task No_answer_in_time_or_a_failed_write_is_unavailable_not_an_exception()
    {
        var region = CreateTestProbe();
        var client = new GreylistClient(region, Enabled);

        var silent = await client.CheckAsync(IPAddress.Parse("192.0.2.1"), "a@example.net", "bob@example.org", TimeSpan.FromMilliseconds(300));
        Assert.Equal((GreylistOutcome.Unavailable, "no answer within 0.3 s"), (silent.Outcome, silent.Detail));
        region.ExpectMsg<CheckGreylist>(); // asked, never answered

        var pending = client.CheckAsync(IPAddress.Parse("192.0.2.1"), "a@example.net", "bob@example.org", TimeSpan.FromSeconds(5));
        region.Reply(new JournalWriteFailed(region.ExpectMsg<CheckGreylist>(), "disk full"));
        var failed = await pending;
        Assert.Equal((GreylistOutcome.Unavailable, "journal write failed: disk full"), (failed.Outcome, failed.Detail));
    }
}
