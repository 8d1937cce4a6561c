using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.Integration.Tests.Http;
using Xunit;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// A hard bounce suppresses its address by itself: the receiver answers 550 5.1.1 to RCPT, the Bounce event is classified
/// InvalidRecipient, and from then on the address is refused at RCPT (550 5.7.1) and listed in the HTTP API's
/// failed_recipients; a soft failure (mailbox full) suppresses nothing.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HardBounceSuppressionTests
{
    private const string Mx = "127.0.0.140";
    private const string Token = "hard-bounce-token";
    private static readonly TestUser Sender = TestUser.Local("hard-bounce-sender");

    [Fact]
    public async Task A_hard_bounce_suppresses_the_address_at_rcpt_and_in_the_http_api()
    {
        var httpPort = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("bouncing.test", Mx)], [Sender], overrides: $$"""
            actormta.http { enabled = on, port = {{httpPort}}, tokens = ["{{Token}}"] }
            actormta.suppression.automatic = on
            """);
        var receiver = bed.Receiver(Mx);
        receiver.RejectRecipient("gone@bouncing.test", 550, "5.1.1 <gone@bouncing.test>: Recipient address rejected: User unknown in virtual mailbox table");
        receiver.RejectRecipient("full@bouncing.test", 452, "4.2.2 Mailbox full");
        await bed.SubmitAsync(Sender, ["gone@bouncing.test", "full@bouncing.test"], DeliveryTestBed.Message(Sender.Address, "gone@bouncing.test", "hard-" + Guid.NewGuid().ToString("N")));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonArray listed;
        while (true)
        {
            var list = bed.Server.RunCli("suppression", "list", "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            listed = JsonNode.Parse(list.Stdout)!.AsArray();
            if (listed.Count > 0) break;
            Assert.True(DateTime.UtcNow < deadline, "the hard bounce was not suppressed in time\n" + bed.ServerTail());
            await Task.Delay(300);
        }
        var entry = Assert.Single(listed)!.AsObject();
        Assert.Equal("gone@bouncing.test", entry["address"]!.GetValue<string>());
        Assert.Equal("bounce", entry["source"]!.GetValue<string>().ToLowerInvariant());
        Assert.Contains("InvalidRecipient", entry["reason"]!.GetValue<string>());

        // The next message: refused at RCPT, the session goes on.
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Submission, startTls: true, auth: Sender))
        {
            SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{Sender.Address}>"), 250);
            var refused = await smtp.CommandAsync("RCPT TO:<gone@bouncing.test>");
            Assert.Equal(550, refused.Code);
            Assert.Equal("5.7.1", refused.EnhancedCode);
            SmtpConversation.Expect(await smtp.CommandAsync("RCPT TO:<full@bouncing.test>"), 250);
            await smtp.QuitAsync();
        }
        // And in the HTTP API.
        var response = await InjectApi.InjectAsync(httpPort, Token, new JsonObject
        {
            ["envelope_sender"] = Sender.Address,
            ["content"] = "From: news@local.test\r\nSubject: s\r\n\r\nbody\r\n",
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "gone@bouncing.test" }, new JsonObject { ["email"] = "other@bouncing.test" }),
        });
        Assert.Equal(["gone@bouncing.test"], response.FailedRecipients);
        Assert.StartsWith("550 5.7.1", response.Errors["gone@bouncing.test"]);
        Assert.Equal(1, response.SuccessCount);
    }
}
