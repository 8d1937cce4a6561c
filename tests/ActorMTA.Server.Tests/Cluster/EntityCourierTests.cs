using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Cluster;

/// <summary>
/// The courier in front of a shard region gathers the commands that arrive together for one entity into one bundle,
/// loses and reorders none, and hands replies that come back in a bundle to their sessions. Across nodes:
/// CrossNodeMessageTests.
/// </summary>
public sealed class EntityCourierTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private IActorRef Courier(IActorRef region, int maxCommands = 64) =>
        Sys.ActorOf(EntityCourier.Props(region, new EntityMessageExtractor<IMailboxCommand>(100, c => c.Address), maxCommands));

    private static DeliverToMailbox Deliver(string address, int i) => new(address, "Q" + i, "ref/" + i, 10, Arrival, i);

    [Fact]
    public void A_burst_reaches_the_region_once_each_in_order_per_entity_with_its_sender_and_partly_bundled()
    {
        var region = CreateTestProbe("region");
        var courier = Courier(region.Ref, maxCommands: 16);
        var sessions = Enumerable.Range(0, 4).Select(i => CreateTestProbe("s" + i)).ToArray();
        const int count = 1000;
        // Two entities, ids differing only in case for one of them: the same entity.
        for (var i = 0; i < count; i++)
            courier.Tell(Deliver(i % 2 == 0 ? "bob@example.org" : (i % 4 == 1 ? "Ann@Example.org" : "ann@example.org"), i), sessions[i % 4].Ref);

        var seen = new List<(string Entity, int Id, IActorRef Sender)>();
        var (bundles, messages) = (0, 0);
        while (seen.Count < count)
        {
            var message = region.ExpectMsg<object>(Wait);
            messages++;
            if (message is EntityCommandBundle bundle)
            {
                bundles++;
                Assert.InRange(bundle.Commands.Count, 2, 16);
                Assert.Equal(courier, region.LastSender);
                foreach (var c in bundle.Commands) seen.Add((bundle.EntityId, (int)((DeliverToMailbox)c.Command).CorrelationId, c.Sender));
            }
            else
            {
                var d = Assert.IsType<DeliverToMailbox>(message);
                seen.Add((d.Address.ToLowerInvariant(), (int)d.CorrelationId, region.LastSender));
            }
        }
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Output?.WriteLine($"{count} commands reached the region in {messages} messages, {bundles} of them bundles");
        Assert.True(bundles > 0, "a burst of 1,000 commands went out one by one");
        Assert.Equal(Enumerable.Range(0, count), seen.Select(s => s.Id).Order());
        foreach (var s in seen) Assert.Equal(sessions[s.Id % 4].Ref, s.Sender);
        foreach (var entity in new[] { "bob@example.org", "ann@example.org" })
        {
            var ids = seen.Where(s => s.Entity == entity).Select(s => s.Id).ToList();
            Assert.Equal(count / 2, ids.Count);
            Assert.Equal(ids.Order(), ids);
        }
    }

    [Fact]
    public void A_message_for_no_entity_is_forwarded_as_it_came_and_replies_in_a_bundle_reach_each_session()
    {
        var region = CreateTestProbe("region");
        var courier = Courier(region.Ref);
        courier.Tell("not a command", TestActor);
        Assert.Equal("not a command", region.ExpectMsg<string>(Wait));
        Assert.Equal(TestActor, region.LastSender);

        var (a, b) = (CreateTestProbe("a"), CreateTestProbe("b"));
        var entity = CreateTestProbe("entity");
        courier.Tell(new EntityReplyBundle([new BundledReply(a.Ref, new MailboxDelivered("bob@example.org", 1, 5)),
            new BundledReply(b.Ref, new MailboxDelivered("bob@example.org", 2, 6)), new BundledReply(a.Ref, new MailboxDelivered("bob@example.org", 3, 7))]), entity.Ref);
        Assert.Equal(1, a.ExpectMsg<MailboxDelivered>(Wait).CorrelationId);
        Assert.Equal(entity.Ref, a.LastSender);
        Assert.Equal(3, a.ExpectMsg<MailboxDelivered>(Wait).CorrelationId);
        Assert.Equal(2, b.ExpectMsg<MailboxDelivered>(Wait).CorrelationId);
        Assert.Equal(entity.Ref, b.LastSender);
    }

    [Fact]
    public void A_bundle_from_a_courier_on_the_same_node_is_answered_straight_to_each_sender()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => CreateTestProbe("session-" + i)).ToArray();
        var commands = sessions.Select((s, i) => new BundledCommand(s.Ref, new DeliverToMailbox("dave@example.org", "QL" + i, Content.Add("QL" + i), 10, Arrival, 70 + i)))
            .ToArray();
        Regions.Mailbox.Tell(new EntityCommandBundle("dave@example.org", commands), TestActor);
        var uids = sessions.Select((s, i) =>
        {
            var delivered = s.ExpectMsg<MailboxDelivered>(Wait);
            Assert.Equal(70 + i, delivered.CorrelationId);
            return delivered.Uid;
        }).ToList();
        Assert.Equal(3, uids.Distinct().Count());
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        Regions.Mailbox.Tell(new GetMailboxStats("dave@example.org"), TestActor);
        Assert.Equal(3, ExpectMsg<MailboxStats>(Wait).Folders.Sum(f => f.Messages));
    }

    [Fact]
    public void Bundling_is_on_with_seed_nodes_off_alone_and_a_wrong_value_is_refused()
    {
        var alone = Akka.Configuration.ConfigurationFactory.ParseString("akka.cluster.seed-nodes = []");
        var seeded = Akka.Configuration.ConfigurationFactory.ParseString("akka.cluster.seed-nodes = [\"akka.tcp://actormta@127.0.0.11:4053\"]");
        Assert.False(ShardRegions.BundlingEnabled("auto", alone));
        Assert.True(ShardRegions.BundlingEnabled("auto", seeded));
        Assert.True(ShardRegions.BundlingEnabled("on", alone));
        Assert.False(ShardRegions.BundlingEnabled("off", seeded));
        Assert.Throws<Akka.Configuration.ConfigurationException>(() => ShardRegions.BundlingEnabled("sometimes", alone));
    }
}
