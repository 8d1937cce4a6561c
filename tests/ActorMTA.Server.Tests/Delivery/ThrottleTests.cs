using System.Diagnostics;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Queues;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>Per-domain limits hold under load, and a broken domain never slows another.</summary>
public sealed class ThrottleTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, """
        actormta.delivery.throttles {
          "one.test" { max-connections = 2, max-messages-per-connection = 50 }
          "two.test" { max-connections = 2, max-messages-per-connection = 10, partitions = 2 }
          "three.test" { max-messages-per-minute = 6 }
        }
        actormta.delivery.domain-backoff = 5s
        actormta.delivery.retry-schedule = [5s]
        """), IClassFixture<DeliveryZoneFixture>
{
    [Fact]
    public async Task Five_hundred_messages_drain_through_at_most_two_connections()
    {
        const int count = 500;
        var started = Stopwatch.StartNew();
        var acks = Enumerable.Range(0, count).Select(i =>
        {
            var id = "T" + i.ToString("D4");
            var reference = Store(id, Message("throttled " + i));
            return Regions.DomainQueue.Ask<DeliveryEnqueued>(
                new EnqueueDelivery("one.test", id, reference, Sender, ["bob@one.test"], 100, DateTimeOffset.UtcNow, i), TimeSpan.FromSeconds(30));
        }).ToArray();
        await Task.WhenAll(acks);

        var received = await Receivers[0].WaitForMessagesAsync(count, TimeSpan.FromSeconds(60));

        Output?.WriteLine($"{count} messages in {started.Elapsed.TotalSeconds:F1}s over {Receivers[0].TotalConnections} connections, max {Receivers[0].MaxConcurrentConnections} at once");
        Assert.Equal(count, received.Select(m => m.Text).Distinct().Count());
        Assert.InRange(Receivers[0].MaxConcurrentConnections, 1, 2);
        Assert.True(Receivers[0].TotalConnections >= count / 50, "max-messages-per-connection = 50 needs at least 10 connections");
        await WaitForEmptyQueueAsync("one.test", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_dead_domain_and_a_slow_domain_do_not_delay_a_healthy_one()
    {
        Receivers[3].Down();                                    // four.test: refuses connections
        Receivers[2].ResponseDelay = TimeSpan.FromSeconds(3);   // three.test: every reply takes 3 s
        for (var i = 0; i < 20; i++) Enqueue("four.test", Message("dead " + i));
        for (var i = 0; i < 5; i++) Enqueue("three.test", Message("slow " + i));

        var started = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++) Enqueue("one.test", Message("healthy " + i));
        await Receivers[0].WaitForMessagesAsync(20, TimeSpan.FromSeconds(10));
        var healthy = started.Elapsed;

        Output?.WriteLine($"healthy domain delivered 20 messages in {healthy.TotalMilliseconds:F0} ms");
        Assert.True(healthy < TimeSpan.FromSeconds(3), $"the healthy domain took {healthy}");
        Assert.Empty(Receivers[2].Messages); // the slow one has not even finished its greeting + EHLO yet
        Assert.Equal(20, Status("four.test").Pending);
    }

    [Fact]
    public async Task Refused_connections_make_the_whole_domain_back_off()
    {
        Receivers[3].Down();
        Regions.DomainQueue.Ask<QueueControlDone>(new SuspendQueue("four.test"), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        for (var i = 0; i < 3; i++) Enqueue("four.test", Message("backoff " + i));
        Regions.DomainQueue.Ask<QueueControlDone>(new ResumeQueue("four.test"), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

        // Every message was tried once and waits for the next attempt (domain-backoff 5 s, retry 5 s).
        AwaitCondition(() => Status("four.test").Entries.All(e => e.Attempts == 1), TimeSpan.FromSeconds(10));
        var status = Status("four.test");
        Assert.All(status.Entries, e => Assert.Contains("4.4.1", e.LastResult));
        Assert.All(status.Entries, e => Assert.True(e.NextAttemptAt > DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2)));
        // A message queued during the backoff waits too instead of opening a new connection.
        Enqueue("four.test", Message("during backoff"));
        await Task.Delay(500);
        Assert.Equal(0, Status("four.test").Entries.Single(e => e.LastResult is null).Attempts);
    }

    [Fact]
    public async Task A_partitioned_domain_spreads_its_mail_and_keeps_the_domain_limit()
    {
        var ids = Enumerable.Range(0, 60).Select(i => Enqueue("two.test", Message("partitioned " + i))).ToList();

        await Receivers[1].WaitForMessagesAsync(60, TimeSpan.FromSeconds(30));

        var partitions = ids.GroupBy(id => QueuePartitions.QueueNameFor("two.test", id, 2)).Select(g => g.Key).Order().ToList();
        Assert.Equal(["two.test#0", "two.test#1"], partitions);
        // The SMTP session picks the same partition through the node's recipient router.
        var router = Services().Router;
        Assert.All(ids, id => Assert.Equal(QueuePartitions.QueueNameFor("two.test", id, 2), router.QueueNameFor("Two.Test", id)));
        Assert.Equal("one.test", router.QueueNameFor("one.test", ids[0]));
        Assert.InRange(Receivers[1].MaxConcurrentConnections, 1, 2); // 1 per partition
        await WaitForEmptyQueueAsync("two.test#0", TimeSpan.FromSeconds(10));
        await WaitForEmptyQueueAsync("two.test#1", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Messages_per_minute_are_limited()
    {
        for (var i = 0; i < 10; i++) Enqueue("three.test", Message("rate " + i));

        await Receivers[2].WaitForMessagesAsync(6, TimeSpan.FromSeconds(10));
        await Task.Delay(1500);

        // A bucket of 6 a minute: the burst takes 6, the next token comes after 10 s.
        Assert.Equal(6, Receivers[2].Messages.Count);
        Assert.Equal(4, Status("three.test").Pending);
    }
}
