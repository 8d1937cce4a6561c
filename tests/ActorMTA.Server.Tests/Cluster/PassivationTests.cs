using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Cluster;

public sealed class PassivationTests(ITestOutputHelper output) : EntityTestKit(output, "actormta.mailbox.passivate-after = 1500ms\nactormta.queue.passivate-after = 1500ms")
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private ISet<string> RunningEntities(IActorRef region)
    {
        region.Tell(GetShardRegionState.Instance, TestActor);
        return ExpectMsg<CurrentShardRegionState>(TimeSpan.FromSeconds(5)).Shards.SelectMany(s => s.EntityIds).ToHashSet();
    }

    [Fact]
    public void An_idle_mailbox_passivates_and_comes_back_with_its_state_on_the_next_message()
    {
        Regions.Mailbox.Tell(new DeliverToMailbox("bob@example.org", "Q1", Content.Add("Q1"), 10, Arrival, 1), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        Assert.Contains("bob@example.org", RunningEntities(Regions.Mailbox));

        AwaitCondition(() => RunningEntities(Regions.Mailbox).Count == 0, TimeSpan.FromSeconds(10));

        Regions.Mailbox.Tell(new GetMaildrop("bob@example.org"), TestActor);
        Assert.Equal("Q1", Assert.Single(ExpectMsg<Maildrop>(TimeSpan.FromSeconds(10)).Messages).QueueId);
    }

    [Fact]
    public void A_queue_holding_mail_stays_while_an_emptied_queue_passivates()
    {
        Regions.DomainQueue.Tell(new EnqueueDelivery("held.example", "Q1", Content.Add("Q1"), "s@here.test", new[] { "r@held.example" }, 10, Arrival, 1), TestActor);
        Regions.DomainQueue.Tell(new EnqueueDelivery("emptied.example", "Q2", Content.Add("Q2"), "s@here.test", new[] { "r@emptied.example" }, 10, Arrival, 2), TestActor);
        ReceiveN(2, TimeSpan.FromSeconds(10));
        Regions.DomainQueue.Tell(new RetractEnqueue("emptied.example", "Q2", 3), TestActor);
        ExpectMsg<EnqueueRetracted>(TimeSpan.FromSeconds(10));

        AwaitCondition(() => !RunningEntities(Regions.DomainQueue).Contains("emptied.example"), TimeSpan.FromSeconds(10));
        // Well past the idle time: the queue with mail is still running.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        Assert.Contains("held.example", RunningEntities(Regions.DomainQueue));
    }
}
