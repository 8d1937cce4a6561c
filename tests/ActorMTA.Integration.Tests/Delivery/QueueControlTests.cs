using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// `actormta ctl queue ...` against a running server. The retry schedule is one hour, so a message
/// that failed once stays deferred for the whole test unless an operator command moves it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class QueueControlTests(QueueControlTests.Bed bed, ITestOutputHelper output) : IClassFixture<QueueControlTests.Bed>
{
    private const string HeldMx = "127.0.0.2";
    private const string SuspendMx = "127.0.0.3";
    private const string FlushMx = "127.0.0.4";
    private const string BounceMx = "127.0.0.5";
    private const string DeleteMx = "127.0.0.6";
    private const string BounceAllMx = "127.0.0.7";

    private static readonly TestUser ListSender = TestUser.Local("ctl-list");
    private static readonly TestUser SuspendSender = TestUser.Local("ctl-suspend");
    private static readonly TestUser FlushSender = TestUser.Local("ctl-flush");
    private static readonly TestUser BounceSender = TestUser.Local("ctl-bounce");
    private static readonly TestUser DeleteSender = TestUser.Local("ctl-delete");
    private static readonly TestUser BounceAllSender = TestUser.Local("ctl-bounce-all");

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public sealed class Bed : IAsyncLifetime
    {
        public DeliveryTestBed TestBed { get; private set; } = null!;

        public async Task InitializeAsync() => TestBed = await DeliveryTestBed.StartAsync(
        [
            new RemoteDomain("held.test", HeldMx),
            new RemoteDomain("suspend.test", SuspendMx),
            new RemoteDomain("flush.test", FlushMx),
            new RemoteDomain("bounce.test", BounceMx),
            new RemoteDomain("delete.test", DeleteMx),
            new RemoteDomain("bounceall.test", BounceAllMx),
        ], [ListSender, SuspendSender, FlushSender, BounceSender, DeleteSender, BounceAllSender], retrySchedule: "[1h]");

        public async Task DisposeAsync()
        {
            if (TestBed is not null) await TestBed.DisposeAsync();
        }
    }

    private DeliveryTestBed TestBed => bed.TestBed;

    [Fact]
    public async Task Queue_list_and_show_describe_a_deferred_message()
    {
        TestBed.Receiver(HeldMx).Down();
        var token = "held-" + Guid.NewGuid().ToString("N");
        await TestBed.SubmitAsync(ListSender, ["someone@held.test"], DeliveryTestBed.Message(ListSender.Address, "someone@held.test", token));
        var queued = Assert.Single(await TestBed.WaitForQueueAsync("held.test", m => m.Count == 1 && m[0]["attempts"]!.GetValue<int>() >= 1, Patience, "one message tried once"));
        var queueId = queued["queue_id"]!.GetValue<string>();

        // queue show --json: the message, its envelope and its last result.
        Assert.Equal(ListSender.Address, queued["from"]!.GetValue<string>());
        Assert.Equal(["someone@held.test"], queued["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(queued["last_result"]?.GetValue<string>()), "last_result after a failed attempt");
        // The receiver is down: the last result is a connection failure, and queue show names its category.
        Assert.Equal("ConnectionTimeout", queued["last_result_category"]?.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(queued["next_attempt"]!.GetValue<string>()) > DateTimeOffset.UtcNow.AddMinutes(30), "deferred by the 1h schedule");

        // queue list --json: pending, deferred, suspended, next attempt.
        var row = Assert.Single(TestBed.QueueListRows("held.test"));
        output.WriteLine(row.ToJsonString());
        Assert.Equal(1, row["pending"]!.GetValue<int>());
        Assert.Equal(1, row["deferred"]!.GetValue<int>());
        Assert.False(row["suspended"]!.GetValue<bool>());
        Assert.NotNull(row["next_attempt"]);

        // The tables for people name the same things.
        var list = TestBed.Ctl("queue", "list");
        output.WriteLine(list);
        Assert.Contains("held.test", list);
        Assert.Contains("SUSPENDED", list);
        var show = TestBed.Ctl("queue", "show", "held.test");
        output.WriteLine(show);
        Assert.Contains(queueId, show);
        Assert.Contains($"<{ListSender.Address}>", show);
        Assert.Empty(TestBed.Receiver(HeldMx).Messages);
    }

    [Fact]
    public async Task Suspended_queue_delivers_nothing_until_resumed()
    {
        var receiver = TestBed.Receiver(SuspendMx);
        TestBed.Ctl("queue", "suspend", "suspend.test");
        await TestBed.SubmitAsync(SuspendSender, ["someone@suspend.test"],
            DeliveryTestBed.Message(SuspendSender.Address, "someone@suspend.test", "suspend-" + Guid.NewGuid().ToString("N")));

        var row = Assert.Single(TestBed.QueueListRows("suspend.test"));
        Assert.True(row["suspended"]!.GetValue<bool>(), row.ToJsonString());
        Assert.Equal(1, row["pending"]!.GetValue<int>());
        Assert.True(TestBed.CtlJson("queue", "show", "suspend.test")["suspended"]!.GetValue<bool>());
        // The receiver is up and accepting: only the suspension keeps the message back.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(receiver.Messages);
        Assert.Equal(0, receiver.TotalConnections);

        TestBed.Ctl("queue", "resume", "suspend.test");
        await receiver.WaitForMessagesAsync(1, Patience);
        Assert.All(TestBed.QueueListRows("suspend.test"), q => Assert.False(q["suspended"]!.GetValue<bool>(), q.ToJsonString()));
        Assert.False(TestBed.CtlJson("queue", "show", "suspend.test")["suspended"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Flush_retries_a_deferred_message_at_once()
    {
        var receiver = TestBed.Receiver(FlushMx);
        receiver.ScriptReplies(451); // the first attempt is deferred for an hour, then the receiver accepts
        await TestBed.SubmitAsync(FlushSender, ["someone@flush.test"],
            DeliveryTestBed.Message(FlushSender.Address, "someone@flush.test", "flush-" + Guid.NewGuid().ToString("N")));
        await TestBed.WaitForQueueAsync("flush.test", m => m.Count == 1 && m[0]["attempts"]!.GetValue<int>() >= 1, Patience, "one message deferred");
        Assert.Equal(1, receiver.Transactions);
        Assert.Empty(receiver.Messages);

        TestBed.Ctl("queue", "flush", "flush.test");
        var delivered = Assert.Single(await receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal(["someone@flush.test"], delivered.Recipients);
        await TestBed.WaitForQueueAsync("flush.test", m => m.Count == 0, Patience, "queue empty after delivery");
    }

    [Fact]
    public async Task Bounce_by_message_id_sends_a_dsn_to_the_sender()
    {
        TestBed.Receiver(BounceMx).Down();
        var token = "bounce-" + Guid.NewGuid().ToString("N");
        await TestBed.SubmitAsync(BounceSender, ["someone@bounce.test"], DeliveryTestBed.Message(BounceSender.Address, "someone@bounce.test", token));
        var queued = Assert.Single(await TestBed.WaitForQueueAsync("bounce.test", m => m.Count == 1 && m[0]["attempts"]!.GetValue<int>() >= 1, Patience, "one message deferred"));
        var queueId = queued["queue_id"]!.GetValue<string>();

        var result = TestBed.CtlJson("queue", "bounce", queueId);
        output.WriteLine(result.ToJsonString());
        Assert.Equal(1, result["affected"]!.GetValue<int>());

        var raw = Assert.Single(await TestBed.WaitForMailboxAsync(BounceSender, 1, Patience));
        var recipient = DeliveryStatusReport.Parse(raw).Recipient;
        Assert.Equal("failed", recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.Contains("someone@bounce.test", recipient["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains(token, Encoding.UTF8.GetString(raw));
        await TestBed.WaitForQueueAsync("bounce.test", m => m.Count == 0, Patience, "queue empty after the bounce");
    }

    [Fact]
    public async Task Bounce_by_domain_fails_every_queued_message_with_one_dsn_each()
    {
        TestBed.Receiver(BounceAllMx).Down();
        var tokens = Enumerable.Range(0, 3).Select(i => $"bounceall{i}-" + Guid.NewGuid().ToString("N")).ToList();
        foreach (var token in tokens)
            await TestBed.SubmitAsync(BounceAllSender, ["someone@bounceall.test"], DeliveryTestBed.Message(BounceAllSender.Address, "someone@bounceall.test", token));
        await TestBed.WaitForQueueAsync("bounceall.test", m => m.Count == 3 && m.All(e => e["attempts"]!.GetValue<int>() >= 1), Patience, "three messages deferred");

        var result = TestBed.CtlJson("queue", "bounce", "bounceall.test");
        output.WriteLine(result.ToJsonString());
        Assert.Equal(3, result["affected"]!.GetValue<int>());

        var dsns = await TestBed.WaitForMailboxAsync(BounceAllSender, 3, Patience);
        Assert.Equal(3, dsns.Count);
        var texts = dsns.Select(raw => Encoding.UTF8.GetString(raw)).ToList();
        Assert.All(tokens, token => Assert.Single(texts, t => t.Contains(token)));
        Assert.All(dsns, raw => Assert.Equal("failed", DeliveryStatusReport.Parse(raw).Recipient["Action"]?.Trim(), ignoreCase: true));
        await TestBed.WaitForQueueAsync("bounceall.test", m => m.Count == 0, Patience, "queue empty after the bounce");
    }

    [Fact]
    public async Task Delete_by_message_id_drops_the_message_without_a_dsn()
    {
        TestBed.Receiver(DeleteMx).Down();
        await TestBed.SubmitAsync(DeleteSender, ["someone@delete.test"],
            DeliveryTestBed.Message(DeleteSender.Address, "someone@delete.test", "delete-" + Guid.NewGuid().ToString("N")));
        var queued = Assert.Single(await TestBed.WaitForQueueAsync("delete.test", m => m.Count == 1 && m[0]["attempts"]!.GetValue<int>() >= 1, Patience, "one message deferred"));
        var queueId = queued["queue_id"]!.GetValue<string>();

        var result = TestBed.CtlJson("queue", "delete", queueId);
        Assert.Equal(1, result["affected"]!.GetValue<int>());
        Assert.Empty(TestBed.QueuedMessages("delete.test"));
        Assert.DoesNotContain(queueId, TestBed.Ctl("queue", "show", "delete.test"));

        // Nothing comes back to the sender, and a second delete finds nothing.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(await TestBed.MailboxAsync(DeleteSender));
        Assert.NotEqual(0, TestBed.Server.RunCli("ctl", "queue", "delete", queueId).ExitCode);
    }
}
