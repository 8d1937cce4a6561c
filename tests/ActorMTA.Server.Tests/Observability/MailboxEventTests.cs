using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Observability;

internal static class LocalDelivery
{
    public static readonly DateTimeOffset Arrival = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    public const string Mailbox = "bob@events.test";

    public const string Producer = "mailbox|bob@events.test";

    public static DeliverToMailbox Deliver(InMemoryContentStore content, string queueId, params string[] recipients) =>
        new(Mailbox, queueId, content.Add(queueId), 100, Arrival, 1)
        {
            Envelope = new DeliveryEnvelope("smtp", "127.0.63.9", "s@h.test", recipients, new MessageTags($"<{queueId}@h.test>", null, null)),
        };

    public static List<DeliveryEvent> Events(AppendEvents append) => append.Entries.SelectMany(e => e.Lines).Select(l => DeliveryEvent.FromJsonLine(l)!).ToList();
}

/// <summary>
/// A mailbox's delivery events reach the event log only from its journal: sent once the delivery is persisted, again
/// until the log confirms them, derived again with the same ids after a restart, and never from an IMAP APPEND.
/// </summary>
public sealed class MailboxEventTests(ITestOutputHelper output) : EntityTestKit(output)
{
    [Fact]
    public void A_delivery_is_published_after_it_is_persisted_as_a_Reception_and_a_Delivery_per_recipient()
    {
        // One probe for the reply and the log: the reply goes out once the append is persisted, the events after it.
        DeliveryEvents.Get(Sys).Start(TestActor, "node-1", null);
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", "Info@events.test", "bob@events.test"), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        var append = ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5));
        Assert.Equal(LocalDelivery.Producer, append.Producer);
        var entry = Assert.Single(append.Entries);
        var events = LocalDelivery.Events(append);
        Assert.Equal([DeliveryEventType.Reception, DeliveryEventType.Reception, DeliveryEventType.Delivery, DeliveryEventType.Delivery], events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{LocalDelivery.Producer}/{entry.Sequence}/{i}"), events.Select(e => e.Id));
        Assert.Equal(["Info@events.test", "bob@events.test", "Info@events.test", "bob@events.test"], events.Select(e => e.Recipient));
        // The alias names the mailbox it led to; the mailbox's own address does not.
        Assert.Equal([LocalDelivery.Mailbox, null, LocalDelivery.Mailbox, null], events.Select(e => e.Mailbox));
        Assert.All(events, e =>
        {
            Assert.Equal(("Q1", "<Q1@h.test>", "s@h.test", 100L, "node-1", LocalDelivery.Arrival), (e.QueueId, e.MessageId, e.Sender, e.Size, e.Node, e.Time));
            Assert.Null(e.MxHost);
            Assert.Null(e.Folder);
        });
        Assert.All(events.Take(2), e => Assert.Equal(("smtp", "127.0.63.9"), (e.Protocol, e.ClientIp)));
        Assert.All(events.Skip(2), e => Assert.Equal(0L, e.QueueTimeMs));
    }

    [Fact]
    public void Unconfirmed_events_are_sent_again_until_the_log_confirms_them()
    {
        var log = CreateTestProbe();
        DeliveryEvents.Get(Sys).Start(log.Ref, "node-1", null);
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", LocalDelivery.Mailbox), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        var first = log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5));
        var again = log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(8));
        Assert.Equal(first.Entries.SelectMany(e => e.Lines), again.Entries.SelectMany(e => e.Lines));
        log.Reply(new EventsWritten(LocalDelivery.Producer, again.Entries[^1].Sequence));
        log.ExpectNoMsg(TimeSpan.FromSeconds(6));
    }

    [Fact]
    public void An_IMAP_APPEND_makes_no_event()
    {
        DeliveryEvents.Get(Sys).Start(TestActor, "node-1", null);
        Regions.Mailbox.Tell(new AppendMessage(LocalDelivery.Mailbox, "INBOX", "Q0", Content.Add("Q0"), 50, LocalDelivery.Arrival, []), TestActor);
        ExpectMsg<MessageAppendedToFolder>(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromSeconds(1));
        // A delivery after it: only its own events.
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", LocalDelivery.Mailbox), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        Assert.Equal(["Q1", "Q1"], LocalDelivery.Events(ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5))).Select(e => e.QueueId));
    }

    [Fact]
    public async Task Recovery_from_the_journal_derives_the_same_events_again_but_not_those_the_log_holds()
    {
        var log = CreateTestProbe();
        DeliveryEvents.Get(Sys).Start(log.Ref, "node-1", null);
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", LocalDelivery.Mailbox), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        var q1 = log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5));
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q2", LocalDelivery.Mailbox), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        var q2 = log.FishForMessage<AppendEvents>(a => a.Entries.Any(e => e.Sequence > q1.Entries[^1].Sequence), TimeSpan.FromSeconds(8));
        var q2Lines = q2.Entries.Where(e => e.Sequence > q1.Entries[^1].Sequence).SelectMany(e => e.Lines).ToList();

        TestProbe again = null!;
        await using var node = await RestartAsync(system =>
        {
            again = CreateTestProbe(system);
            var events = DeliveryEvents.Get(system);
            // The log already holds Q1's events (its index after a restart), not Q2's.
            events.Durable[LocalDelivery.Producer] = q1.Entries[^1].Sequence;
            events.Start(again.Ref, "node-1", null);
        });
        node.Regions.Mailbox.Tell(new GetMailboxStats(LocalDelivery.Mailbox), again.Ref);
        var resent = again.FishForMessage<AppendEvents>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(q2Lines, resent.Entries.SelectMany(e => e.Lines));
    }

    [Fact]
    public async Task With_events_off_nothing_is_journaled_for_them_or_derived_later()
    {
        // No DeliveryEvents.Start: the node writes no events.
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", LocalDelivery.Mailbox), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));

        TestProbe log = null!;
        await using var node = await RestartAsync(system =>
        {
            log = CreateTestProbe(system);
            DeliveryEvents.Get(system).Start(log.Ref, "node-1", null);
        });
        node.Regions.Mailbox.Tell(new GetMailboxStats(LocalDelivery.Mailbox), log.Ref);
        log.ExpectMsg<MailboxStats>(TimeSpan.FromSeconds(10));
        log.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }
}

/// <summary>A snapshot after every event, and the journal events it covers deleted at once: the restarted mailbox can take
/// its unconfirmed events only from the snapshot.</summary>
public sealed class MailboxEventSnapshotTests(ITestOutputHelper output)
    : EntityTestKit(output, "actormta.mailbox.snapshot-every = 1\nactormta.storage.journal-cleanup-interval = 0s")
{
    [Fact]
    public async Task Unconfirmed_events_survive_in_the_snapshot_and_confirmed_ones_are_not_sent_again()
    {
        var log = CreateTestProbe();
        DeliveryEvents.Get(Sys).Start(log.Ref, "node-1", null);
        Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q1", "Info@events.test"), TestActor);
        ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
        var first = log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(5));
        var lines = first.Entries.SelectMany(e => e.Lines).ToList();
        // Let the snapshot be written and the journal events it covers deleted.
        await Task.Delay(1000);

        TestProbe again = null!;
        await using var node = await RestartAsync(system =>
        {
            again = CreateTestProbe(system);
            DeliveryEvents.Get(system).Start(again.Ref, "node-1", null);
        });
        node.Regions.Mailbox.Tell(new GetMailboxStats(LocalDelivery.Mailbox), again.Ref);
        var resent = again.FishForMessage<AppendEvents>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(lines, resent.Entries.SelectMany(e => e.Lines));
        again.Reply(new EventsWritten(resent.Producer!, resent.Entries[^1].Sequence));

        node.Regions.Mailbox.Tell(LocalDelivery.Deliver(Content, "Q2", LocalDelivery.Mailbox), again.Ref);
        var next = again.FishForMessage<AppendEvents>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(["Q2", "Q2"], LocalDelivery.Events(next).Select(e => e.QueueId));
    }
}
