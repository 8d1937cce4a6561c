using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Delivery;
using ActorMTA.TestSupport;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>Pending mail survives a node restart and goes out without any new message arriving.</summary>
public sealed class DeliveryRecoveryTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, "actormta.queue.snapshot-every = 10\nactormta.delivery.retry-schedule = [300ms]"), IClassFixture<DeliveryZoneFixture>
{
    [Fact]
    public async Task A_queue_with_pending_mail_resumes_delivery_after_a_restart()
    {
        const int count = 40;
        Receivers[0].Down();
        var ids = Enumerable.Range(0, count).Select(i => Enqueue("one.test", Message("recovered " + i))).ToHashSet();
        // Tried at least once (connection refused) before the restart, so attempts were persisted too.
        AwaitCondition(() => Status("one.test").Entries.All(e => e.Attempts >= 1), TimeSpan.FromSeconds(15));

        await using var node = await RestartAsync();
        Receivers[0].Up();

        // No message is sent to the queue: remember-entities restarts it and it schedules delivery itself.
        var received = await Receivers[0].WaitForMessagesAsync(count, TimeSpan.FromSeconds(30));
        Assert.Equal(count, received.Count);
        Assert.Equal(count, received.Select(m => m.Text).Distinct().Count());
        await WaitForEmptyQueueAsync("one.test", TimeSpan.FromSeconds(15), node.Regions);
        Output?.WriteLine($"{ids.Count} messages delivered after the restart");
    }

    [Fact]
    public async Task A_bounce_owed_before_a_restart_is_sent_once_after_it()
    {
        // Every attempt fails for good, whether it happens before or after the restart.
        Receivers[0].Mode = ReceiverMode.Scripted;
        Receivers[0].DefaultOutcome = ScriptedOutcome.RejectData();
        var id = Enqueue("one.test", Message("bounce across restart"));
        // Restart as soon as the bounce is stored, likely before the queue has persisted that it was: it is
        // then sent again after the restart, with the same id, and the mailbox keeps one.
        var deadlineBefore = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Mailbox(Sender).Messages.Count == 0 && DateTime.UtcNow < deadlineBefore) await Task.Delay(5);

        await using var node = await RestartAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Mailbox(Sender, node.Regions).Messages.Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await WaitForEmptyQueueAsync("one.test", TimeSpan.FromSeconds(15), node.Regions);
        await Task.Delay(500);
        Assert.Equal(id + ".B1", Assert.Single(Mailbox(Sender, node.Regions).Messages).QueueId);
    }
}
