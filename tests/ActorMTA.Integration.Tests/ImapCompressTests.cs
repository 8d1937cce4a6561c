using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>COMPRESS=DEFLATE (RFC 4978) over real sockets: MailKit end to end, and a raw client reading the deflated wire.</summary>
[Trait("Category", "Integration")]
public sealed class ImapCompressTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private static ImapClient NewClient() => new() { Timeout = 20_000 };

    [Fact]
    public async Task MailKit_works_compressed_appends_fetches_a_large_message_and_gets_idle_pushes()
    {
        var user = fixture.NextUser();
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync();

        var body = string.Join("\r\n", Enumerable.Range(0, 4000).Select(i => $"line {i} of a message long enough to be streamed from its file"));
        var message = new MimeMessage { Subject = "big" };
        message.From.Add(MailboxAddress.Parse("a@example.org"));
        message.To.Add(MailboxAddress.Parse(user.Address));
        message.Body = new TextPart("plain") { Text = body };
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AppendAsync(message);
        var fetched = await client.Inbox.GetMessageAsync(client.Inbox.Count - 1);
        Assert.Equal(body.Replace("\r\n", "\n"), fetched.TextBody.Replace("\r\n", "\n").TrimEnd('\n'));

        // A second session appends while this one is in IDLE: the EXISTS must come through the compressor.
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await using (var other = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user))
            Assert.Contains(" OK ", (await other.AppendAsync("INBOX", "Subject: pushed\r\n\r\nhi\r\n"))[^1]);
        Assert.Same(arrived.Task, await Task.WhenAny(arrived.Task, Task.Delay(10_000)));
        await done.CancelAsync();
        await idle;
        Assert.Equal(2, client.Inbox.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task After_the_tagged_ok_the_wire_is_raw_deflate_both_ways_and_a_second_compress_is_refused()
    {
        var user = fixture.NextUser();
        await using var raw = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.StartsWith("t2 OK", (await raw.CommandAsync("COMPRESS DEFLATE"))[^1]);

        var stream = raw.Connection.UnderlyingStream;
        await using var inflate = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true);
        await using var deflate = new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        await deflate.WriteAsync(Encoding.ASCII.GetBytes("c1 NOOP\r\nc2 COMPRESS DEFLATE\r\n"));
        await deflate.FlushAsync();

        var text = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains("c2 "))
        {
            var n = await inflate.ReadAsync(buffer, timeout.Token);
            Assert.True(n > 0, "connection closed: " + text);
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.Contains("c1 OK", text.ToString());
        Assert.Contains("c2 NO [COMPRESSIONACTIVE]", text.ToString());
    }
}
