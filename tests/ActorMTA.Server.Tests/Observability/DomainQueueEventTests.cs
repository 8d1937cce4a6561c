using ActorMTA.Server.Cluster;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Observability;

/// <summary>
/// A domain queue's delivery events reach the event log only from its journal: sent after they are persisted, kept until
/// the log confirms them, sent again after a restart (from the journal, or from the snapshot when the journal events are
/// gone), and never passivated away unconfirmed.
/// </summary>
public sealed class DomainQueueEventTests(ITestOutputHelper output)
    // A snapshot after every event, and the journal events it covers deleted at once: recovery must take the unconfirmed
    // events from the snapshot.
    : EntityTestKit(output, "actormta.queue.snapshot-every = 1\nactormta.storage.journal-cleanup-interval = 0s")
{
    private static readonly DateTimeOffset Arrival = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    private void Enqueue(ShardRegions regions, string queueId, IActorRef replyTo, params string[] recipients) =>
        regions.DomainQueue.Tell(new EnqueueDelivery("events.test", queueId, Content.Add(queueId), "s@h.test", recipients, 100, Arrival, 1)
            { Tags = new MessageTags($"<{queueId}@h.test>", null, null) }, replyTo);

    [Fact]
    public async Task Unconfirmed_events_are_sent_again_after_a_restart_and_confirmed_ones_are_not()
    {
        var log = CreateTestProbe();
        DeliveryEvents.Get(Sys).Start(log.Ref, "node-1", null);
        Enqueue(Regions, "Q1", TestActor, "a@events.test", "b@events.test");
        ExpectMsg<DeliveryEnqueued>(TimeSpan.FromSeconds(10));
        var first = log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5));
        Assert.Equal("domain-queue|events.test", first.Producer);
        var lines = first.Entries.SelectMany(e => e.Lines).ToList();
        Assert.Equal(["a@events.test", "b@events.test"], lines.Select(l => DeliveryEvent.FromJsonLine(l)!.Recipient));
        Assert.All(lines, l => Assert.Equal("<Q1@h.test>", DeliveryEvent.FromJsonLine(l)!.MessageId));
        // Not confirmed: a crash now must not lose them.

        TestProbe again = null!;
        // Before the regions, as the node does: a remembered queue may start as soon as its region does.
        await using var node = await RestartAsync(system =>
        {
            again = CreateTestProbe(system);
            DeliveryEvents.Get(system).Start(again.Ref, "node-1", null);
        });
        node.Regions.DomainQueue.Tell(new GetQueueStatus("events.test"), again.Ref);
        var resent = again.FishForMessage<AppendEvents>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(lines, resent.Entries.SelectMany(e => e.Lines));
        again.Reply(new EventsWritten(resent.Producer!, resent.Entries[^1].Sequence));

        // Confirmed: a new message's events follow, and the old ones are not sent again.
        Enqueue(node.Regions, "Q2", again.Ref, "c@events.test");
        var next = again.FishForMessage<AppendEvents>(_ => true, TimeSpan.FromSeconds(10));
        var nextLines = next.Entries.SelectMany(e => e.Lines).Select(l => DeliveryEvent.FromJsonLine(l)!).ToList();
        Assert.Equal("c@events.test", Assert.Single(nextLines).Recipient);
        Assert.True(next.Entries[0].Sequence > resent.Entries[^1].Sequence);
    }
}
