using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>
/// SMTP smuggling (bare line ends, RFC 5321 section 2.3.8) with the default actormta.smtp.bare-newlines =
/// reject: the content is read to the real CRLF.CRLF, then refused with 554 5.6.0; nothing is stored,
/// nothing after a fake end of data is run as a command, and the session goes on.
/// </summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BareNewlineTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    /// <summary>A message hiding a second transaction behind a fake end of data <paramref name="fakeEnd"/>.</summary>
    public static byte[] Smuggling(string fakeEnd) => Encoding.ASCII.GetBytes(
        $"From: sender@example.org\r\nSubject: smuggling\r\n\r\nfirst part{fakeEnd}" +
        $"MAIL FROM:<evil@example.org>\r\nRCPT TO:<{ConformanceServerFixture.Smuggled.Address}>\r\nDATA\r\n" +
        "Subject: smuggled\r\n\r\nsmuggled part\r\n");

    /// <summary>MAIL, RCPT, DATA, then the content exactly as given (no dot-stuffing, which would hide the
    /// fake end of data) and the real CRLF.CRLF; returns the reply to it.</summary>
    public static async Task<SmtpReply> SendRawDataAsync(SmtpConversation smtp, string to, byte[] content)
    {
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{to}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        await smtp.Connection.WriteAsync(content.Concat(".\r\n"u8.ToArray()).ToArray());
        return await smtp.ReadReplyAsync();
    }

    public static TheoryData<string> FakeEnds => new() { "\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r" };

    [Theory]
    [MemberData(nameof(FakeEnds))]
    public async Task Fake_end_of_data_is_content_and_the_message_is_refused(string fakeEnd)
    {
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            var reply = await SendRawDataAsync(smtp, ConformanceServerFixture.Smuggling.Address, Smuggling(fakeEnd));
            Assert.True(reply.Code == 554 && reply.EnhancedCode == "5.6.0", $"got {reply}");
            // Exactly one reply came for all of it: the next one answers NOOP, not a smuggled command.
            var noop = await smtp.CommandAsync("NOOP");
            Assert.True(noop.Code == 250 && noop.EnhancedCode == "2.0.0", $"got {noop} (a smuggled command was run?)");
            await smtp.QuitAsync();
        }
        await AssertEmptyAsync(ConformanceServerFixture.Smuggling);
        await AssertEmptyAsync(ConformanceServerFixture.Smuggled);
    }

    [Theory]
    [InlineData("bare LF\nin the body\r\n")]
    [InlineData("bare CR\rin the body\r\n")]
    [InlineData("header line ends with LF\r\n")]
    public async Task Bare_line_end_anywhere_gets_554_5_6_0_and_the_session_goes_on(string body)
    {
        var user = ConformanceServerFixture.BareNewlines;
        var message = body.StartsWith("header", StringComparison.Ordinal)
            ? Encoding.ASCII.GetBytes($"Subject: bare\nTo: {user.Address}\r\n\r\n{body}")
            : Encoding.ASCII.GetBytes($"Subject: bare\r\n\r\n{body}");
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            var reply = await smtp.SendMessageAsync("sender@example.org", [user.Address], message);
            Assert.True(reply.Code == 554 && reply.EnhancedCode == "5.6.0", $"got {reply}");
            // The same session delivers a clean message afterwards.
            Assert.Equal(250, (await smtp.SendMessageAsync("sender@example.org", [user.Address], "Subject: clean\r\n\r\nclean\r\n"u8.ToArray())).Code);
            await smtp.QuitAsync();
        }
        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        Assert.Contains("Subject: clean", Encoding.ASCII.GetString(stored));
    }

    [Fact]
    public async Task Bdat_gets_the_same_rule_over_all_its_chunks()
    {
        var user = ConformanceServerFixture.BareNewlines;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            // A CRLF split between two chunks is a line end, not a bare CR and a bare LF.
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            Assert.Equal(250, (await SendChunkAsync(smtp, "Subject: split crlf\r", last: false)).Code);
            Assert.Equal(250, (await SendChunkAsync(smtp, "\n\r\nbody\r\n", last: true)).Code);

            // A bare LF in a middle chunk is refused at the last one, after all chunks were read.
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            Assert.Equal(250, (await SendChunkAsync(smtp, "Subject: bare in bdat\r\n\r\n", last: false)).Code);
            Assert.Equal(250, (await SendChunkAsync(smtp, "one\ntwo\r\n", last: false)).Code);
            var reply = await SendChunkAsync(smtp, "three\r\n", last: true);
            Assert.True(reply.Code == 554 && reply.EnhancedCode == "5.6.0", $"got {reply}");

            // A CR as the very last byte is bare too: nothing can follow it.
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            reply = await SendChunkAsync(smtp, "Subject: ends in cr\r\n\r\nx\r", last: true);
            Assert.True(reply.Code == 554 && reply.EnhancedCode == "5.6.0", $"got {reply}");
            await smtp.QuitAsync();
        }
        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        Assert.Contains("Subject: split crlf\r\n\r\nbody\r\n", Encoding.ASCII.GetString(stored));
    }

    public static async Task<SmtpReply> SendChunkAsync(SmtpConversation smtp, string chunk, bool last)
    {
        var bytes = Encoding.ASCII.GetBytes(chunk);
        await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes($"BDAT {bytes.Length}{(last ? " LAST" : "")}\r\n").Concat(bytes).ToArray());
        return await smtp.ReadReplyAsync();
    }

    private async Task AssertEmptyAsync(TestUser user)
    {
        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        Assert.Equal(0, (await pop.StatAsync()).Count);
        await pop.QuitAsync();
    }
}
