using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Delivery;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>The operator commands (actormta ctl queue ...) on a delivering DomainQueue entity.</summary>
public sealed class QueueControlTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : QueueControlCases(output, zone, null), IClassFixture<DeliveryZoneFixture>;

/// <summary>The cases of <see cref="QueueControlTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class QueueControlCases(ITestOutputHelper output, DeliveryZoneFixture zone, string? overrides)
    : DeliveryTestKit(output, zone, "actormta.delivery.retry-schedule = [1h]\n" + overrides)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private QueueControlDone Control(IDomainQueueCommand command) =>
        Regions.DomainQueue.Ask<QueueControlDone>(command, Wait).GetAwaiter().GetResult();

    /// <summary>Queues one message for one.test and lets its first attempt fail with 451 (next attempt in an hour).</summary>
    private string Deferred(string subject)
    {
        Receivers[0].ScriptReplies(451);
        var id = Enqueue("one.test", Message(subject));
        AwaitCondition(() => Status("one.test").Entries.Single(e => e.QueueId == id).Attempts == 1, Wait);
        return id;
    }

    [Fact]
    public async Task A_suspended_queue_keeps_mail_until_it_is_resumed_and_says_so_in_its_status()
    {
        Assert.Equal(0, Control(new SuspendQueue("one.test")).Affected);

        Enqueue("one.test", Message("held"));
        await Task.Delay(700);

        Assert.Empty(Receivers[0].Messages);
        var status = Status("one.test");
        Assert.True(status.Suspended);
        Assert.Equal(0, Assert.Single(status.Entries).Attempts);

        Assert.Equal(1, Control(new ResumeQueue("one.test")).Affected);
        Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.False(Status("one.test").Suspended);
    }

    [Fact]
    public async Task Flush_retries_deferred_mail_now()
    {
        var id = Deferred("flushed");
        Assert.True(Status("one.test").NextAttemptAt > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(30));
        Assert.Equal(1, Status("one.test").Deferred);

        Assert.Equal(1, Control(new FlushQueue("one.test")).Affected);

        Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        await WaitForEmptyQueueAsync("one.test", Wait);
        Output?.WriteLine($"{id} delivered after flush");
    }

    [Fact]
    public async Task Bounce_fails_a_queued_message_with_a_dsn_to_its_sender()
    {
        var id = Deferred("bounced by operator");
        var other = Deferred("stays");

        Assert.Equal(1, Control(new BounceQueued("one.test", id, "Message bounced by the administrator")).Affected);

        var drop = await WaitForMailAsync(Sender, 1, Wait);
        Assert.Equal(id + ".B1", Assert.Single(drop.Messages).QueueId);
        await using (var stream = Content.OpenRead(drop.Messages[0].ContentRef))
        {
            var text = new StreamReader(stream).ReadToEnd();
            Assert.Contains("Status: 5.0.0", text);
            Assert.Contains("bounced by the administrator", text);
        }
        AwaitCondition(() => Status("one.test").Entries.All(e => e.QueueId == other), Wait);
        Assert.Equal(0, Control(new BounceQueued("one.test", "no-such-id", "x")).Affected);
    }

    [Fact]
    public async Task Bounce_without_a_message_id_bounces_the_whole_queue()
    {
        Deferred("first");
        Deferred("second");

        Assert.Equal(2, Control(new BounceQueued("one.test", null, "Message bounced by the administrator")).Affected);

        await WaitForMailAsync(Sender, 2, Wait);
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task Delete_drops_a_message_without_a_bounce_and_releases_its_content()
    {
        var id = Deferred("deleted");
        Assert.Equal(1, SpoolFiles());

        Assert.Equal(1, Control(new DeleteQueued("one.test", id)).Affected);

        Assert.Equal(0, Status("one.test").Pending);
        AwaitCondition(() => SpoolFiles() == 0, Wait);
        await Task.Delay(300);
        Assert.Empty(Mailbox(Sender).Messages);
        Assert.Equal(0, Control(new DeleteQueued("one.test", id)).Affected);
    }

    [Fact]
    public async Task Suspension_survives_a_restart()
    {
        Control(new SuspendQueue("one.test"));
        Enqueue("one.test", Message("suspended across restart"));

        await using var node = await RestartAsync();

        await Task.Delay(700);
        Assert.True(Status("one.test", node.Regions).Suspended);
        Assert.Empty(Receivers[0].Messages);
        await node.Regions.DomainQueue.Ask<QueueControlDone>(new ResumeQueue("one.test"), Wait);
        Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
    }
}
