using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>The "delivered" report for local recipients with NOTIFY=SUCCESS, as the SMTP session hands it in after its 250.</summary>
public sealed class SuccessDsnTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone), IClassFixture<DeliveryZoneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static readonly DsnRecipientParameters Success = new(DsnNotify.Success, "rfc822;bob-old@local.test");

    private Task<DsnOutcome> Send(string queueId, string sender, params (string, DsnRecipientParameters)[] recipients)
    {
        var reference = Store(queueId, "Return-Path: <" + sender + ">\r\n" + Message("hello", "SECRET BODY\r\n"));
        return SuccessDsn.SendAsync(queueId, sender, new DsnMessageParameters(DsnReturn.Full, "ENV-42"), recipients, reference, Content, Services(), Sys);
    }

    [Fact]
    public async Task A_local_sender_gets_one_delivered_report_for_the_recipients_that_asked()
    {
        var outcome = await Send("QS1", Sender, ("bob@local.test", Success), ("carol@local.test", DsnRecipientParameters.None));

        Assert.True(outcome.Stored, outcome.Destination);
        var drop = await WaitForMailAsync(Sender, 1, Wait);
        var report = Assert.Single(drop.Messages);
        Assert.Equal("QS1.S", report.QueueId);
        await using var stream = Content.OpenRead(report.ContentRef);
        var text = Encoding.UTF8.GetString(stream.ReadAllBytes());
        Assert.StartsWith("Return-Path: <>\r\n", text);
        Assert.Contains("Subject: Successful Mail Delivery Report", text);
        Assert.Contains("Action: delivered", text);
        Assert.Contains("Final-Recipient: rfc822; bob@local.test", text);
        Assert.Contains("Original-Recipient: rfc822; bob-old@local.test", text);
        Assert.Contains("Original-Envelope-Id: ENV-42", text);
        Assert.DoesNotContain("carol@local.test", text.Split("Content-Type: message/delivery-status")[1].Split("--")[0]);
        // Success reports return the headers only, whatever RET says.
        Assert.DoesNotContain("SECRET BODY", text);
    }

    [Fact]
    public async Task Handing_it_in_twice_stores_it_once()
    {
        await Send("QS2", Sender, ("bob@local.test", Success));
        await Send("QS2", Sender, ("bob@local.test", Success));

        await WaitForMailAsync(Sender, 1, Wait);
        await Task.Delay(300);
        Assert.Single(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task Nothing_is_written_when_no_recipient_asked_or_the_sender_is_null()
    {
        var none = await Send("QS3", Sender, ("bob@local.test", new DsnRecipientParameters(DsnNotify.Failure, null)));
        var nullSender = await Send("QS4", "", ("bob@local.test", Success));

        Assert.False(none.Stored);
        Assert.True(none.NotWanted);
        Assert.False(nullSender.Stored);
        await Task.Delay(300);
        Assert.Empty(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task A_remote_sender_gets_it_through_the_queue_without_a_return_path()
    {
        var outcome = await Send("QS5", "dave@one.test", ("bob@local.test", Success));

        Assert.True(outcome.Stored, outcome.Destination);
        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.Equal("", received.MailFrom);
        Assert.Equal(["dave@one.test"], received.Recipients);
        Assert.StartsWith("From: Mail Delivery System", received.Text);
        Assert.Contains("Action: delivered", received.Text);
    }
}
