using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

public sealed class MailboxEntityTests(ITestOutputHelper output) : MailboxEntityCases(output, null);

/// <summary>The cases of <see cref="MailboxEntityTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class MailboxEntityCases(ITestOutputHelper output, string? overrides) : EntityTestKit(output, overrides)
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(1));

    private MailboxDelivered Deliver(string address, string queueId, string reference, long size = 100, long correlation = 1)
    {
        Regions.Mailbox.Tell(new DeliverToMailbox(address, queueId, reference, size, Arrival, correlation), TestActor);
        return ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));
    }

    private Maildrop Maildrop(string address)
    {
        Regions.Mailbox.Tell(new GetMaildrop(address), TestActor);
        return ExpectMsg<Maildrop>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Delivered_messages_appear_in_the_maildrop_in_uid_order()
    {
        var first = Content.Add("Q1");
        var second = Content.Add("Q2");

        var d1 = Deliver("bob@example.org", "Q1", first, size: 120, correlation: 7);
        var d2 = Deliver("bob@example.org", "Q2", second, size: 80, correlation: 8);

        Assert.Equal(("bob@example.org", 7L, 1L), (d1.Address, d1.CorrelationId, d1.Uid));
        Assert.Equal(2L, d2.Uid);
        var drop = Maildrop("bob@example.org");
        Assert.Equal(new[] { 1L, 2L }, drop.Messages.Select(m => m.Uid));
        var m1 = drop.Messages[0];
        Assert.Equal(("Q1", first, 120L, Arrival), (m1.QueueId, m1.ContentRef, m1.Size, m1.InternalDate));
        Assert.Empty(m1.Flags);
    }

    [Fact]
    public void Addresses_differing_only_in_case_share_one_mailbox_and_others_are_separate()
    {
        Deliver("Alice@Example.org", "Q1", Content.Add("Q1"));
        Deliver("carol@example.org", "Q2", Content.Add("Q2"));

        Assert.Single(Maildrop("alice@example.org").Messages);
        Assert.Equal("Q2", Assert.Single(Maildrop("carol@example.org").Messages).QueueId);
        Assert.Empty(Maildrop("nobody@example.org").Messages);
    }

    [Fact]
    public void A_redelivered_command_with_the_same_content_reference_is_stored_once()
    {
        var reference = Content.Add("Q1");
        var first = Deliver("bob@example.org", "Q1", reference, correlation: 1);
        var again = Deliver("bob@example.org", "Q1", reference, correlation: 2);
        // A different copy of the same message (another reference) is a second entry.
        var copy = Deliver("bob@example.org", "Q1", Content.Add("Q1"), correlation: 3);

        Assert.Equal(first.Uid, again.Uid);
        Assert.Equal(2L, again.CorrelationId);
        Assert.Equal(2L, copy.Uid);
        Assert.Equal(2, Maildrop("bob@example.org").Messages.Count);
    }

    [Fact]
    public void A_retracted_delivery_disappears_and_its_content_is_released_without_reusing_its_uid()
    {
        var kept = Content.Add("Q1");
        var retracted = Content.Add("Q2");
        Deliver("bob@example.org", "Q1", kept);
        Deliver("bob@example.org", "Q2", retracted);

        Regions.Mailbox.Tell(new RetractDelivery("bob@example.org", "Q2", 42), TestActor);
        var reply = ExpectMsg<DeliveryRetracted>(TimeSpan.FromSeconds(10));

        Assert.Equal(("Q2", 42L), (reply.QueueId, reply.CorrelationId));
        Assert.Equal("Q1", Assert.Single(Maildrop("bob@example.org").Messages).QueueId);
        AwaitCondition(() => Content.IsReleased(retracted), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(kept));
        Assert.Equal(3L, Deliver("bob@example.org", "Q3", Content.Add("Q3")).Uid);
    }

    [Fact]
    public void Retracting_a_message_that_was_never_delivered_is_answered_and_changes_nothing()
    {
        Deliver("bob@example.org", "Q1", Content.Add("Q1"));
        var batchesBefore = Counters.Mailbox.Batches;

        Regions.Mailbox.Tell(new RetractDelivery("bob@example.org", "unknown", 5), TestActor);

        Assert.Equal(5L, ExpectMsg<DeliveryRetracted>(TimeSpan.FromSeconds(10)).CorrelationId);
        Assert.Single(Maildrop("bob@example.org").Messages);
        Assert.Equal(batchesBefore, Counters.Mailbox.Batches);
    }

    [Fact]
    public void Expunge_answers_with_the_removed_uids_then_releases_their_content()
    {
        var r1 = Content.Add("Q1");
        var r2 = Content.Add("Q2");
        var r3 = Content.Add("Q3");
        Deliver("bob@example.org", "Q1", r1);
        Deliver("bob@example.org", "Q2", r2);
        Deliver("bob@example.org", "Q3", r3);

        Regions.Mailbox.Tell(new ExpungeMessages("bob@example.org", "INBOX", new long[] { 1, 3, 99 }, 9), TestActor);
        var expunged = ExpectMsg<MessagesExpunged>(TimeSpan.FromSeconds(10));

        Assert.Equal(new[] { 1L, 3L }, expunged.Uids);
        Assert.Equal(9L, expunged.CorrelationId);
        Assert.Equal(new[] { 2L }, Maildrop("bob@example.org").Messages.Select(m => m.Uid));
        AwaitCondition(() => Content.IsReleased(r1) && Content.IsReleased(r3), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(r2));
    }

    [Fact]
    public void Stats_count_messages_and_bytes_per_folder()
    {
        Deliver("bob@example.org", "Q1", Content.Add("Q1"), size: 1000);
        Deliver("bob@example.org", "Q2", Content.Add("Q2"), size: 234);

        Regions.Mailbox.Tell(new GetMailboxStats("bob@example.org"), TestActor);
        var inbox = Assert.Single(ExpectMsg<MailboxStats>(TimeSpan.FromSeconds(10)).Folders);

        Assert.Equal(("INBOX", 2, 1234L, 3L), (inbox.Folder, inbox.Messages, inbox.Bytes, inbox.UidNext));
        Assert.True(inbox.UidValidity > 0);
    }

    [Fact]
    public void Deliveries_sent_without_waiting_are_all_acknowledged_with_far_fewer_journal_writes()
    {
        const int count = 500;
        var references = Enumerable.Range(0, count).Select(i => Content.Add("Q" + i)).ToArray();
        var batchesBefore = Counters.Mailbox.Batches;
        var eventsBefore = Counters.Mailbox.Events;

        for (var i = 0; i < count; i++)
            Regions.Mailbox.Tell(new DeliverToMailbox("busy@example.org", "Q" + i, references[i], 10, Arrival, i), TestActor);
        var acks = ReceiveN(count, TimeSpan.FromSeconds(30)).Cast<MailboxDelivered>().ToList();

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), acks.Select(a => a.CorrelationId).Order());
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), acks.Select(a => a.Uid).Order());
        var batches = Counters.Mailbox.Batches - batchesBefore;
        var events = Counters.Mailbox.Events - eventsBefore;
        Output?.WriteLine($"{count} deliveries: {events} events in {batches} PersistAll batches");
        Assert.Equal(count + 1, events); // + FolderCreated for the new INBOX
        Assert.InRange(batches, 1, count / 10);
        Assert.Equal(count, Maildrop("busy@example.org").Messages.Count);
    }
}
