using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>
/// RFC 5321 section 4.4: the delivered message begins with "Return-Path: &lt;reverse-path&gt;", above our
/// Received: line; a Return-Path: the client wrote itself is dropped (Postfix's message_drop_headers).
/// </summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ReturnPathTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    private static byte[] Message(string to, string subject, string extraHeader = "") => Encoding.UTF8.GetBytes(
        $"{extraHeader}From: sender@example.org\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nbody\r\nReturn-Path: <in-the-body@example.org>\r\n");

    [Fact]
    public async Task Pop3_sees_return_path_first_and_not_the_clients_own()
    {
        var user = ConformanceServerFixture.ReturnPathPop;
        var sent = Message(user.Address, "own return path");
        var withForged = Encoding.UTF8.GetBytes("Return-Path: <forged@example.org>\r\n").Concat(sent).ToArray();
        // A folded forged Return-Path: in the middle of the header goes too, continuation line and all.
        var folded = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(sent).Replace("Subject:", "return-path:\r\n <forged2@example.org>\r\nSubject:"));
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "bounce-me@example.org", user.Address, withForged);
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "bounce-me@example.org", user.Address, folded);

        var stored = await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user);
        Assert.Equal(2, stored.Count);
        foreach (var message in stored)
        {
            var (returnPath, received, rest) = StoredMessage.SplitTrace(message);
            Assert.Equal("Return-Path: <bounce-me@example.org>\r\n", returnPath);
            Assert.StartsWith("Received: from client.test", received);
            // The client's header lost its Return-Path:; the body keeps its text.
            Assert.True(sent.AsSpan().SequenceEqual(rest), StoredMessage.Difference(sent, rest));
        }
    }

    [Fact]
    public async Task Null_sender_is_stored_as_empty_angle_brackets_and_imap_sees_it_first()
    {
        var user = ConformanceServerFixture.ReturnPathImap;
        var sent = Message(user.Address, "bounce");
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.SendMessageAsync("", [user.Address], sent), 250);
            await smtp.QuitAsync();
        }

        var stored = Assert.Single(await MailKitClients.FetchAllImapAsync(Server.Ports.Imap, user));
        Assert.StartsWith("Return-Path: <>\r\nReceived: ", Encoding.UTF8.GetString(stored));
        Assert.True(sent.AsSpan().SequenceEqual(StoredMessage.WithoutTrace(stored)));
    }

    [Fact]
    public async Task Longest_local_part_and_domain_are_accepted_in_full()
    {
        // 64-octet local part at a 255-octet domain: MAIL FROM and RCPT TO take it whole, and it comes
        // back whole in Return-Path: over POP3 and IMAP.
        var user = ConformanceServerFixture.LongAddress;
        var sent = Message(user.Address, "long address");
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            var mail = $"MAIL FROM:<{user.Address}>";
            Assert.True(mail.Length + 2 <= 512, "RFC 5321 4.5.3.1.4: within the minimum command line length");
            SmtpConversation.Expect(await smtp.SendMessageAsync(user.Address, [user.Address], sent), 250);
            await smtp.QuitAsync();
        }

        var expected = $"Return-Path: <{user.Address}>\r\n";
        var overImap = Assert.Single(await MailKitClients.FetchAllImapAsync(Server.Ports.Imap, user));
        Assert.Equal(expected, StoredMessage.SplitTrace(overImap).ReturnPath);
        var overPop = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        var (returnPath, _, rest) = StoredMessage.SplitTrace(overPop);
        Assert.Equal(expected, returnPath);
        Assert.True(sent.AsSpan().SequenceEqual(rest), StoredMessage.Difference(sent, rest));
    }
}
