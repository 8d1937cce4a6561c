using System.Net;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Queues;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>A ready queue's side of its site's throttle: what it asks, what it counts as held, what it gives back.</summary>
public sealed class SitePermitsTests : TestKit
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<DeliveryTarget> AcmeTargets =
        [new("mx2.acme.test", IPAddress.Loopback, 25), new("MX1.acme.test.", IPAddress.Loopback, 25)];

    private static ShapingResolver Resolver() => new(ShapingSettings.FromConfig(ConfigurationFactory.ParseString("""
        actormta.shaping {
          default { connection-limit = 10, message-rate = unlimited }
          providers.acme { match = [".acme.test"], connection-limit = 5, message-rate = "50/s" }
          domains { "a.test" { connection-limit = 2 } }
          automation = [ { match-code = 421, match-text = "TS04", action = suspend, duration = 1m } ]
        }
        """)));

    private (SitePermits Permits, Akka.TestKit.TestProbe Throttle, Akka.TestKit.TestProbe Queue) Create()
    {
        var throttle = CreateTestProbe("throttle");
        var queue = CreateTestProbe("queue");
        var permits = new SitePermits("a.test", EgressSource.DefaultName, Resolver(), throttle.Ref, queue.Ref);
        permits.Target(AcmeTargets);
        return (permits, throttle, queue);
    }

    [Fact]
    public void The_site_comes_from_the_targets_and_the_throttle_gets_the_site_wide_limits_not_the_domains()
    {
        var (permits, throttle, queue) = Create();

        Assert.Equal("default|provider:acme", permits.Key);
        Assert.Equal("mx1.acme.test,mx2.acme.test", permits.Site);
        Assert.Equal(2, permits.Shaping!.ConnectionLimit.Value);
        permits.Ask(3, 10, Now);
        var ask = throttle.ExpectMsg<AcquireSendPermits>();
        Assert.Equal(queue.Ref, throttle.LastSender);
        Assert.Equal(5, ask.Limits.ConnectionLimit);
        Assert.Equal(ShapingRate.Parse("50/s", "k"), ask.Limits.MessageRate);
        Assert.Equal((0, 3, 10), (ask.Held, ask.Connections, ask.Messages));
    }

    [Fact]
    public void One_request_at_a_time_until_it_is_answered_or_lost()
    {
        var (permits, throttle, _) = Create();
        permits.Ask(1, 1, Now);
        var first = throttle.ExpectMsg<AcquireSendPermits>();

        permits.Ask(1, 1, Now.AddSeconds(1));
        throttle.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.True(permits.Asking(Now.AddSeconds(1)));

        // An answer that never comes (the entity's node died) does not hold the queue forever.
        permits.Ask(1, 1, Now.AddSeconds(6));
        Assert.NotEqual(first.RequestId, throttle.ExpectMsg<AcquireSendPermits>().RequestId);
    }

    [Fact]
    public void Granted_connections_count_as_held_until_bound_or_given_back()
    {
        var (permits, throttle, _) = Create();
        permits.Ask(3, 6, Now);
        var ask = throttle.ExpectMsg<AcquireSendPermits>();
        Assert.Equal(3, permits.Accept(new SendPermits(ask.ThrottleKey, ask.Site, ask.RequestId, 3, 6, TimeSpan.Zero), Now));
        Assert.False(permits.Asking(Now));

        permits.Bind(CreateTestProbe().Ref);
        // Asked between binding the first and giving back the rest: all three are still this queue's.
        permits.Ask(0, 5, Now);
        Assert.Equal(3, throttle.ExpectMsg<AcquireSendPermits>().Held);

        permits.GiveBack(2);
        var release = throttle.ExpectMsg<ReleaseConnections>();
        Assert.Equal((ask.ThrottleKey, ask.Site, 2), (release.ThrottleKey, release.Site, release.Count));
    }

    [Fact]
    public void An_agent_gives_its_connection_back_once_when_it_ends()
    {
        var (permits, throttle, _) = Create();
        permits.Ask(1, 1, Now);
        var ask = throttle.ExpectMsg<AcquireSendPermits>();
        permits.Accept(new SendPermits(ask.ThrottleKey, ask.Site, ask.RequestId, 1, 1, TimeSpan.Zero), Now);
        var agent = CreateTestProbe().Ref;
        permits.Bind(agent);

        permits.Ended(agent);
        Assert.Equal(1, throttle.ExpectMsg<ReleaseConnections>().Count);
        permits.Ended(agent);
        throttle.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_grant_for_another_request_is_given_back_whole()
    {
        var (permits, throttle, _) = Create();
        permits.Ask(1, 1, Now);
        var ask = throttle.ExpectMsg<AcquireSendPermits>();

        Assert.Equal(0, permits.Accept(new SendPermits(ask.ThrottleKey, ask.Site, ask.RequestId + 7, 2, 4, TimeSpan.Zero), Now));
        Assert.Equal(2, throttle.ExpectMsg<ReleaseConnections>().Count);
        Assert.Equal(0, permits.MessagesLeft(Now));
        Assert.True(permits.Asking(Now));
    }

    [Fact]
    public void Message_permits_are_spent_and_expire_with_the_oldest_grant()
    {
        var (permits, throttle, _) = Create();
        permits.Ask(1, 5, Now);
        var ask = throttle.ExpectMsg<AcquireSendPermits>();
        permits.Accept(new SendPermits(ask.ThrottleKey, ask.Site, ask.RequestId, 1, 5, TimeSpan.Zero), Now);
        permits.Bind(CreateTestProbe().Ref);

        permits.Spend(2);
        Assert.Equal(3, permits.MessagesLeft(Now.AddMilliseconds(50)));
        // A later grant joins the unspent permits without making them last longer.
        permits.Ask(0, 5, Now.AddMilliseconds(80));
        var more = throttle.ExpectMsg<AcquireSendPermits>();
        permits.Accept(new SendPermits(more.ThrottleKey, more.Site, more.RequestId, 0, 2, TimeSpan.Zero), Now.AddMilliseconds(80));
        Assert.Equal(5, permits.MessagesLeft(Now.AddMilliseconds(80)));
        Assert.Equal(0, permits.MessagesLeft(Now.AddMilliseconds(150)));
    }

    [Fact]
    public void Only_replies_a_rule_matches_reach_the_throttle_and_each_once()
    {
        var (permits, throttle, _) = Create();
        var ts04 = new SmtpReply(421, "4.7.0", "[TS04] deferred");

        permits.Report([new SmtpReply(250, "2.0.0", "ok"), new SmtpReply(450, "4.2.1", "mailbox busy"), ts04, new SmtpReply(421, "4.7.0", "[TS04] deferred")]);

        var report = throttle.ExpectMsg<ReportSiteReply>();
        Assert.Equal(ts04, report.Reply);
        Assert.Equal("mx1.acme.test,mx2.acme.test", report.Site);
        throttle.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
