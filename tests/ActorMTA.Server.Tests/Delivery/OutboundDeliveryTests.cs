using System.Text;
using Akka.Actor;
using ActorMTA.Server.Queues;
using ActorMTA.TestSupport;
using MimeKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>Queued mail goes out over real sockets to scripted receivers found through a real DNS server.</summary>
public sealed class OutboundDeliveryTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone), IClassFixture<DeliveryZoneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_message_arrives_byte_exact_at_the_lowest_preference_mx_and_leaves_the_queue()
    {
        // Lines starting with a dot, a bare "." line, 8-bit text and no final CRLF: all must survive dot-stuffing.
        var body = Message("byte exact", ".starts with a dot\r\n.\r\n..two dots\r\nGrüße\r\nno final line end");
        var id = Enqueue("twomx.test", body, recipients: ["bob@twomx.test", "carol@twomx.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.Equal(Encoding.UTF8.GetBytes(body + "\r\n"), received.Data);
        Assert.Equal(Sender, received.MailFrom);
        Assert.Equal(["bob@twomx.test", "carol@twomx.test"], received.Recipients);
        Assert.Empty(Receivers[1].Messages);
        await WaitForEmptyQueueAsync("twomx.test", Wait);
        AwaitCondition(() => SpoolFiles() == 0, Wait);
        Output?.WriteLine($"{id} delivered on connection {received.ConnectionId}");
    }

    [Fact]
    public async Task When_the_first_mx_is_down_the_next_one_gets_the_message()
    {
        Receivers[0].Down();

        Enqueue("twomx.test", Message("fallback"));

        var received = Assert.Single(await Receivers[1].WaitForMessagesAsync(1, Wait));
        Assert.Contains("Subject: fallback", received.Text);
        Assert.Empty(Receivers[0].Messages);
        await WaitForEmptyQueueAsync("twomx.test", Wait);
    }

    [Fact]
    public async Task When_the_first_mx_greets_with_421_the_next_one_gets_the_message()
    {
        Receivers[0].Mode = ReceiverMode.Greeting421;

        Enqueue("twomx.test", Message("greeting"));

        Assert.Single(await Receivers[1].WaitForMessagesAsync(1, Wait));
        Assert.Empty(Receivers[0].Messages);
    }

    [Fact]
    public async Task A_domain_without_mx_is_delivered_to_its_own_address()
    {
        Enqueue("implicit.test", Message("implicit"));

        Assert.Contains("Subject: implicit", Assert.Single(await Receivers[2].WaitForMessagesAsync(1, Wait)).Text);
    }

    [Fact]
    public async Task Several_messages_share_one_connection()
    {
        // Suspended while they are queued, so that they are all due at once when delivery resumes.
        Regions.DomainQueue.Ask<QueueControlDone>(new SuspendQueue("one.test"), Wait).GetAwaiter().GetResult();
        for (var i = 0; i < 5; i++) Enqueue("one.test", Message("batch " + i));
        Regions.DomainQueue.Ask<QueueControlDone>(new ResumeQueue("one.test"), Wait).GetAwaiter().GetResult();

        var received = await Receivers[0].WaitForMessagesAsync(5, Wait);

        Assert.Equal(5, received.Count);
        Assert.Equal(1, Receivers[0].TotalConnections);
        Assert.Single(received.Select(m => m.ConnectionId).Distinct());
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task Mail_arriving_while_a_connection_idles_goes_over_it_and_the_idle_connection_quits_later()
    {
        Enqueue("one.test", Message("first"));
        await Receivers[0].WaitForMessagesAsync(1, Wait);
        await Task.Delay(300); // well inside connection-idle-time (2s): the session is parked, not closed
        Assert.Equal(1, Receivers[0].CurrentConnections);

        Enqueue("one.test", Message("second"));
        var received = await Receivers[0].WaitForMessagesAsync(2, Wait);

        Assert.Equal(1, Receivers[0].TotalConnections);
        Assert.Single(received.Select(m => m.ConnectionId).Distinct());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Receivers[0].CurrentConnections > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(0, Receivers[0].CurrentConnections); // QUIT once nothing came for connection-idle-time
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task Per_recipient_results_are_kept_apart()
    {
        Receivers[0].RejectRecipient("nobody@one.test");
        Receivers[0].RejectRecipient("later@one.test", 450, "4.2.1 Mailbox busy");

        var id = Enqueue("one.test", Message("mixed"), recipients: ["bob@one.test", "nobody@one.test", "later@one.test"]);

        Assert.Equal(["bob@one.test"], Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait)).Recipients);
        // The 5xx recipient is bounced, the 4xx one stays queued; the delivered one is gone from the entry.
        var bounce = await BounceFor(id);
        Assert.Contains("nobody@one.test", bounce.Text);
        Assert.DoesNotContain("Final-Recipient: rfc822; bob@one.test", bounce.Text);
        Receivers[0].AcceptRecipient("later@one.test");
        AwaitCondition(() => Receivers[0].Messages.Any(m => m.Recipients.SequenceEqual(["later@one.test"])), Wait);
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task Null_mx_bounces_at_once_with_5_1_10()
    {
        var id = Enqueue("nullmx.test", Message("null mx"));

        var bounce = await BounceFor(id);

        Assert.Contains("Status: 5.1.10", bounce.Text);
        Assert.Contains("Action: failed", bounce.Text);
        await WaitForEmptyQueueAsync("nullmx.test", Wait);
        Assert.All(Receivers, r => Assert.Equal(0, r.TotalConnections));
    }

    [Fact]
    public async Task An_unknown_domain_bounces()
    {
        var id = Enqueue("no-such-domain.test", Message("nxdomain"));

        var bounce = await BounceFor(id);

        Assert.Contains("Status: 5.1.2", bounce.Text);
        Assert.Contains("bob@no-such-domain.test", bounce.Text);
        await WaitForEmptyQueueAsync("no-such-domain.test", Wait);
    }

    [Fact]
    public async Task Two_temporary_failures_then_success_delivers_on_the_third_attempt()
    {
        Receivers[0].ScriptReplies(451, 451, 250);

        var id = Enqueue("one.test", Message("third time lucky"));

        Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.Equal(3, Receivers[0].Transactions);
        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Empty(Mailbox(Sender).Messages);
        Output?.WriteLine($"{id} delivered after two 451s");
    }

    [Fact]
    public async Task A_permanent_failure_produces_exactly_one_rfc3464_bounce_in_the_senders_mailbox()
    {
        Receivers[0].ScriptReplies(554);
        var original = Message("will bounce");

        var id = Enqueue("one.test", original);

        var bounce = await BounceFor(id);
        await WaitForEmptyQueueAsync("one.test", Wait);
        await Task.Delay(500); // a second bounce would have had time to arrive
        Assert.Single(Mailbox(Sender).Messages);

        var message = MimeMessage.Load(new MemoryStream(bounce.Bytes));
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal(Sender, message.To.Mailboxes.Single().Address);
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; mta.local.test", status.StatusGroups[0]["Reporting-MTA"]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; bob@one.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.6.0", recipient["Status"]);
        Assert.StartsWith("smtp; 554 5.6.0", recipient["Diagnostic-Code"]);
        Assert.Equal("dns; mx.one.test", recipient["Remote-MTA"]);
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("will bounce", headers.Message.Subject);
        // The original and the bounce's own queue reference are released; only the mailbox copy is left.
        AwaitCondition(() => SpoolFiles() == 1, Wait);
    }

    [Fact]
    public async Task Mail_from_the_null_sender_that_fails_goes_to_the_postmaster_as_a_double_bounce()
    {
        Receivers[0].ScriptReplies(550);

        var queueId = Enqueue("one.test", Message("a bounce itself"), sender: "");

        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Equal(1, Receivers[0].Transactions);
        var drop = await WaitForMailAsync("postmaster@" + LocalDomain, 1, Wait);
        Assert.Equal(queueId + ".D1", Assert.Single(drop.Messages).QueueId);
        await Task.Delay(300);
        Assert.Empty(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task A_double_bounce_that_fails_is_dropped()
    {
        Receivers[0].ScriptReplies(550);

        Enqueue("one.test", Message("a double bounce"), queueId: "0123ABCD.B1.D1", sender: "");

        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Equal(1, Receivers[0].Transactions);
        await Task.Delay(300);
        Assert.Empty(Mailbox("postmaster@" + LocalDomain).Messages);
        AwaitCondition(() => SpoolFiles() == 0, Wait); // no report was ever written
    }

    private async Task<(string Text, byte[] Bytes)> BounceFor(string queueId)
    {
        var drop = await WaitForMailAsync(Sender, 1, Wait);
        var entry = drop.Messages.Single(m => m.QueueId.StartsWith(queueId + ".B", StringComparison.Ordinal));
        await using var stream = Content.OpenRead(entry.ContentRef);
        var bytes = stream.ReadAllBytes();
        return (Encoding.UTF8.GetString(bytes), bytes);
    }
}
