using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Queues;

public sealed class DomainQueueEntityTests(ITestOutputHelper output) : DomainQueueEntityCases(output, null);

/// <summary>The cases of <see cref="DomainQueueEntityTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class DomainQueueEntityCases(ITestOutputHelper output, string? overrides) : EntityTestKit(output, overrides)
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private DeliveryEnqueued Enqueue(string domain, string queueId, string reference, long correlation = 1, params string[] recipients)
    {
        Regions.DomainQueue.Tell(new EnqueueDelivery(domain, queueId, reference, "sender@here.test",
            recipients.Length == 0 ? new[] { "rcpt@" + domain } : recipients, 321, Arrival, correlation), TestActor);
        return ExpectMsg<DeliveryEnqueued>(TimeSpan.FromSeconds(10));
    }

    private QueueStatus Status(string domain)
    {
        Regions.DomainQueue.Tell(new GetQueueStatus(domain), TestActor);
        return ExpectMsg<QueueStatus>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_enqueued_delivery_is_held_with_its_envelope_and_is_due_at_once()
    {
        var reference = Content.Add("Q1");

        var ack = Enqueue("example.net", "Q1", reference, 17, "a@example.net", "b@example.net");

        Assert.Equal(("example.net", 17L), (ack.QueueName, ack.CorrelationId));
        var status = Status("example.net");
        Assert.Equal(1, status.Pending);
        var entry = Assert.Single(status.Entries);
        Assert.Equal(("Q1", reference, "sender@here.test", 321L, Arrival), (entry.QueueId, entry.ContentRef, entry.ReversePath, entry.Size, entry.QueuedAt));
        Assert.Equal(new[] { "a@example.net", "b@example.net" }, entry.Recipients);
        Assert.Equal((0, Arrival, (string?)null), (entry.Attempts, entry.NextAttemptAt, entry.LastResult));
        Assert.Equal(0, Status("example.com").Pending);
    }

    [Fact]
    public void Enqueueing_the_same_message_twice_keeps_one_entry_and_releases_a_surplus_reference()
    {
        var reference = Content.Add("Q1");
        var surplus = Content.Add("Q1");
        Enqueue("example.net", "Q1", reference, 1);
        Enqueue("example.net", "Q1", reference, 2);
        var third = Enqueue("example.net", "Q1", surplus, 3);

        Assert.Equal(3L, third.CorrelationId);
        Assert.Equal(reference, Assert.Single(Status("example.net").Entries).ContentRef);
        AwaitCondition(() => Content.IsReleased(surplus), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(reference));
    }

    [Fact]
    public void A_retracted_enqueue_leaves_the_queue_and_releases_its_content()
    {
        var kept = Content.Add("Q1");
        var retracted = Content.Add("Q2");
        Enqueue("example.net", "Q1", kept);
        Enqueue("example.net", "Q2", retracted);

        Regions.DomainQueue.Tell(new RetractEnqueue("example.net", "Q2", 8), TestActor);
        var reply = ExpectMsg<EnqueueRetracted>(TimeSpan.FromSeconds(10));

        Assert.Equal(("Q2", 8L), (reply.QueueId, reply.CorrelationId));
        Assert.Equal("Q1", Assert.Single(Status("example.net").Entries).QueueId);
        AwaitCondition(() => Content.IsReleased(retracted), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(kept));
    }

    [Fact]
    public void Enqueues_sent_without_waiting_are_all_acknowledged_in_few_journal_writes()
    {
        const int count = 500;
        var batchesBefore = Counters.DomainQueue.Batches;
        for (var i = 0; i < count; i++)
            Regions.DomainQueue.Tell(new EnqueueDelivery("bulk.example", "Q" + i, Content.Add("Q" + i), "s@here.test", new[] { "r@bulk.example" }, 10, Arrival, i), TestActor);

        var acks = ReceiveN(count, TimeSpan.FromSeconds(30)).Cast<DeliveryEnqueued>().ToList();

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), acks.Select(a => a.CorrelationId).Order());
        var batches = Counters.DomainQueue.Batches - batchesBefore;
        Output?.WriteLine($"{count} enqueues in {batches} PersistAll batches");
        Assert.InRange(batches, 1, count / 10);
        Assert.Equal(count, Status("bulk.example").Pending);
    }
}
