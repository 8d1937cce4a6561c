using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>
/// A message whose header already has more Received: fields than actormta.smtp.max-hops (default 50) is
/// looping: refused at the end of data with 554 5.4.6 and not stored. Our own Received: is not counted.
/// </summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HopLimitTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    private static byte[] WithHops(int hops, string subject)
    {
        var text = new StringBuilder();
        for (var i = 0; i < hops; i++)
            text.Append($"Received: from hop{i}.example.org\r\n\tby hop{i + 1}.example.org; Mon, 2 Jan 2006 15:04:05 -0700\r\n");
        text.Append($"From: sender@example.org\r\nSubject: {subject}\r\n\r\nReceived: in the body does not count\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public async Task Fifty_one_received_fields_are_refused_and_fifty_accepted()
    {
        var user = ConformanceServerFixture.Hops;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            var refused = await smtp.SendMessageAsync("sender@example.org", [user.Address], WithHops(51, "51 hops"));
            Assert.True(refused.Code == 554 && refused.EnhancedCode == "5.4.6", $"got {refused}");
            Assert.Contains("hops", refused.ToString(), StringComparison.OrdinalIgnoreCase);
            // BDAT gets the same check.
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            var chunk = WithHops(51, "51 hops by bdat");
            await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes($"BDAT {chunk.Length} LAST\r\n").Concat(chunk).ToArray());
            var bdat = await smtp.ReadReplyAsync();
            Assert.True(bdat.Code == 554 && bdat.EnhancedCode == "5.4.6", $"got {bdat}");

            var accepted = await smtp.SendMessageAsync("sender@example.org", [user.Address], WithHops(50, "50 hops"));
            Assert.Equal(250, accepted.Code);
            await smtp.QuitAsync();
        }

        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        Assert.Contains("Subject: 50 hops", Encoding.UTF8.GetString(stored));
    }
}
