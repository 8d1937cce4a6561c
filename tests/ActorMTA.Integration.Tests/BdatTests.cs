using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>CHUNKING (RFC 3030) by hand, since neither smtplib nor MailKit's default path sends BDAT.</summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BdatTests(SharedServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Bdat_chunks_and_an_empty_last_chunk_are_stored_byte_exact()
    {
        var user = SharedServerFixture.Bdat;
        // BDAT content is not dot-stuffed: a "." line is data, not the end.
        var first = Encoding.UTF8.GetBytes(
            $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: bdat split\r\n\r\n" +
            "line one\r\n.\r\n..two dots stay two dots\r\nUTF-8 ü too\r\nlast line\r\n");
        var second = Encoding.UTF8.GetBytes(
            $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: bdat with BDAT 0 LAST\r\n\r\nbody\r\n.\r\n");

        await using (var smtp = await SmtpConversation.OpenAsync(Server.Ports.Smtp))
        {
            var ehlo = await smtp.CommandAsync("EHLO client.test");
            Assert.Contains("CHUNKING", ehlo.Lines);

            // Transaction 1: split inside a CRLF, so the chunk boundary is not a line boundary.
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            var split = Array.IndexOf(first, (byte)'\n', first.Length / 2); // the LF of a CRLF in the body
            var chunk1 = first[..split];
            var chunk2 = first[split..];
            Assert.Equal((byte)'\r', chunk1[^1]);
            var reply = await SendChunkAsync(smtp, chunk1, last: false);
            Assert.Equal(250, reply.Code);
            reply = await SendChunkAsync(smtp, chunk2, last: true);
            Assert.Equal(250, reply.Code);
            Assert.Equal("2.0.0", reply.EnhancedCode);

            // Transaction 2: all data in a non-last chunk, then "BDAT 0 LAST".
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            Assert.Equal(250, (await SendChunkAsync(smtp, second, last: false)).Code);
            reply = await SendChunkAsync(smtp, [], last: true);
            Assert.Equal(250, reply.Code);
            Assert.Equal("2.0.0", reply.EnhancedCode);
            await smtp.QuitAsync();
        }

        var stored = await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user);
        Assert.Equal(2, stored.Count);
        var rest1 = StoredMessage.WithoutTrace(stored[0]);
        var rest2 = StoredMessage.WithoutTrace(stored[1]);
        Assert.True(first.AsSpan().SequenceEqual(rest1), StoredMessage.Difference(first, rest1));
        Assert.True(second.AsSpan().SequenceEqual(rest2), StoredMessage.Difference(second, rest2));
    }

    private static async Task<SmtpReply> SendChunkAsync(SmtpConversation smtp, byte[] chunk, bool last)
    {
        var command = Encoding.ASCII.GetBytes($"BDAT {chunk.Length}{(last ? " LAST" : "")}\r\n");
        await smtp.Connection.WriteAsync(command.Concat(chunk).ToArray());
        return await smtp.ReadReplyAsync();
    }
}
