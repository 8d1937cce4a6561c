using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>
/// RFC 3461 section 5.2.3: a recipient that asked for NOTIFY=SUCCESS and was delivered into a local mailbox earns
/// the sender one "delivered" report; a recipient of the same message that did not ask earns none.
/// </summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SuccessDsnTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Local_delivery_with_notify_success_sends_one_delivered_report_to_the_sender()
    {
        var sender = ConformanceServerFixture.DsnSender;
        var wants = ConformanceServerFixture.DsnWants;
        var silent = ConformanceServerFixture.DsnSilent;
        var message = Encoding.ASCII.GetBytes($"From: {sender.Address}\r\nTo: {wants.Address}\r\nSubject: tell me\r\n\r\nhello\r\n");
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{sender.Address}> ENVID=success+2Dtest"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{wants.Address}> NOTIFY=SUCCESS ORCPT=rfc822;{wants.Address}"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{silent.Address}>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
            await smtp.Connection.WriteAsync(SmtpConversation.DotStuffed(message));
            SmtpConversation.Expect(await smtp.ReadReplyAsync(), 250);
            await smtp.QuitAsync();
        }

        var reports = await WaitForMessagesAsync(sender, 1);
        var raw = Encoding.UTF8.GetString(reports[0]);
        Assert.StartsWith("Return-Path: <>\r\n", raw);
        var report = MimeMessage.Load(new MemoryStream(reports[0]));
        var body = Assert.IsType<MultipartReport>(report.Body);
        var status = Assert.Single(body.OfType<MessageDeliveryStatus>());
        Assert.Equal("success-test", status.StatusGroups[0]["Original-Envelope-Id"]);
        var group = Assert.Single(status.StatusGroups.Skip(1));
        Assert.Equal("delivered", group["Action"]);
        Assert.StartsWith("2.", group["Status"]);
        Assert.Contains(wants.Address, group["Final-Recipient"]);
        Assert.Contains(wants.Address, group["Original-Recipient"]);

        // Both recipients have the message; the one that gave no NOTIFY is not reported, and no second report follows.
        Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, wants));
        Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, silent));
        await Task.Delay(500);
        Assert.Empty(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, sender));
    }

    private async Task<List<byte[]>> WaitForMessagesAsync(TestUser user, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var collected = new List<byte[]>();
        while (collected.Count < count && DateTime.UtcNow < deadline)
        {
            collected.AddRange(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
            if (collected.Count < count) await Task.Delay(100);
        }
        Assert.Equal(count, collected.Count);
        return collected;
    }
}
