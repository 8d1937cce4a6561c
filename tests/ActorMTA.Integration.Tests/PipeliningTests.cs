using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// RFC 2920: a client may send its next commands right behind the end of message data, in the same
/// packet. They must be answered at once, not after the client sends something else.
/// </summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PipeliningTests(SharedServerFixture fixture)
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private ServerProcess Server => fixture.Server;

    private async Task<SmtpConversation> OpenWithEnvelopeAsync()
    {
        var smtp = await SmtpConversation.OpenAsync(Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("EHLO client.test"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{SharedServerFixture.Pipelining.Address}>"), 250);
        return smtp;
    }

    [Fact]
    public async Task Commands_sent_in_the_same_packet_as_the_final_dot_are_answered()
    {
        await using var smtp = await OpenWithEnvelopeAsync();
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);

        await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes("Subject: pipelined\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n"));

        var queued = await smtp.ReadReplyAsync().WaitAsync(Prompt);
        Assert.Equal(250, queued.Code);
        Assert.Equal(250, (await smtp.ReadReplyAsync().WaitAsync(Prompt)).Code);
        Assert.Equal(221, (await smtp.ReadReplyAsync().WaitAsync(Prompt)).Code);
    }

    [Fact]
    public async Task Commands_sent_in_the_same_packet_as_the_last_bdat_chunk_are_answered()
    {
        await using var smtp = await OpenWithEnvelopeAsync();
        var chunk = Encoding.ASCII.GetBytes("Subject: pipelined bdat\r\n\r\nbody\r\n");

        await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes($"BDAT {chunk.Length} LAST\r\n").Concat(chunk).Concat("NOOP\r\nQUIT\r\n"u8.ToArray()).ToArray());

        Assert.Equal(250, (await smtp.ReadReplyAsync().WaitAsync(Prompt)).Code);
        Assert.Equal(250, (await smtp.ReadReplyAsync().WaitAsync(Prompt)).Code);
        Assert.Equal(221, (await smtp.ReadReplyAsync().WaitAsync(Prompt)).Code);
    }
}
