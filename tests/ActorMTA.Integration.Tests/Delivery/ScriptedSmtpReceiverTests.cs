using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ActorMTA.TestSupport;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>The test peer itself: what it says on the wire, what it records, how it can be scripted.</summary>
[Trait("Category", "Integration")]
public sealed class ScriptedSmtpReceiverTests : IAsyncLifetime
{
    private ScriptedSmtpReceiver _receiver = null!;

    public Task InitializeAsync()
    {
        _receiver = ScriptedSmtpReceiver.Start("127.0.0.2");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Mailkit_delivers_and_the_envelope_and_content_are_recorded()
    {
        var message = NewMessage("hello", "first line\r\n.leading dot\r\nnon-ascii: grüße\r\n");
        using (var smtp = await ConnectAsync())
        {
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.UTF8));
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Size));
            Assert.False(smtp.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
            await smtp.SendAsync(message, MailboxAddress.Parse("sender@origin.test"),
                [MailboxAddress.Parse("a@dest.test"), MailboxAddress.Parse("b@dest.test")]);
            await smtp.DisconnectAsync(quit: true);
        }

        var received = Assert.Single(await _receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Equal("sender@origin.test", received.MailFrom);
        Assert.Equal(["a@dest.test", "b@dest.test"], received.Recipients);
        Assert.Contains("\r\n.leading dot\r\n", received.Text); // unstuffed again
        Assert.Contains("grüße", received.Text);
        Assert.Equal(message.MessageId, MimeMessage.Load(new MemoryStream(received.Data)).MessageId);
        Assert.False(received.Tls);
        Assert.Equal(1, _receiver.TotalConnections);
    }

    [Fact]
    public async Task A_pipelined_group_is_answered_in_order_and_the_content_is_unstuffed_byte_exact()
    {
        _receiver.RejectRecipient("nobody@dest.test");
        await using var client = await RawSmtpClient.ConnectAsync(_receiver.EndPoint);
        Assert.Equal(220, await client.ReadCodeAsync());
        await client.SendAsync("EHLO client.test\r\n");
        var ehlo = await client.ReadReplyAsync();
        Assert.Contains("PIPELINING", ehlo);

        await client.SendAsync("MAIL FROM:<> SIZE=100\r\nRCPT TO:<a@dest.test>\r\nRCPT TO:<nobody@dest.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n");
        Assert.Equal(new[] { 250, 250, 550, 250, 354 }, await ReadCodesAsync(client, 5));
        await client.SendAsync("Subject: dots\r\n\r\n..one dot\r\n...two dots\r\n.\r\n");
        Assert.Equal(250, await client.ReadCodeAsync());

        // A second transaction on the same connection after RSET, then QUIT, all in one group.
        await client.SendAsync("RSET\r\nNOOP\r\nMAIL FROM:<x@origin.test>\r\nRCPT TO:<c@dest.test>\r\nDATA\r\n");
        Assert.Equal(new[] { 250, 250, 250, 250, 354 }, await ReadCodesAsync(client, 5));
        await client.SendAsync("x\r\n.\r\nQUIT\r\n");
        Assert.Equal(250, await client.ReadCodeAsync());
        Assert.Equal(221, await client.ReadCodeAsync());
        Assert.True(await client.IsClosedAsync());

        var messages = await _receiver.WaitForMessagesAsync(2, TimeSpan.FromSeconds(5));
        Assert.Equal("", messages[0].MailFrom);
        Assert.Equal("SIZE=100", messages[0].MailParameters);
        Assert.Equal(["a@dest.test", "b@dest.test"], messages[0].Recipients);
        Assert.Equal("Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n"u8.ToArray(), messages[0].Data);
        Assert.Equal("x\r\n"u8.ToArray(), messages[1].Data);
        Assert.Equal(messages[0].ConnectionId, messages[1].ConnectionId);
        Assert.Contains(_receiver.Commands, c => c.Line == "RSET");
    }

    [Fact]
    public async Task Scripted_replies_are_consumed_one_per_transaction()
    {
        _receiver.ScriptReplies(451, 554, ScriptedSmtpReceiver.DropCode, 250);
        using var smtp = await ConnectAsync();

        var temporary = await Assert.ThrowsAsync<SmtpCommandException>(() => smtp.SendAsync(NewMessage("1", "one\r\n")));
        Assert.Equal(451, (int)temporary.StatusCode);
        var permanent = await Assert.ThrowsAsync<SmtpCommandException>(() => smtp.SendAsync(NewMessage("2", "two\r\n")));
        Assert.Equal(554, (int)permanent.StatusCode);
        var dropped = await Assert.ThrowsAnyAsync<Exception>(() => smtp.SendAsync(NewMessage("3", "three\r\n")));
        Assert.True(dropped is SmtpProtocolException or IOException or ServiceNotConnectedException, dropped.ToString());

        using var again = await ConnectAsync();
        await again.SendAsync(NewMessage("4", "four\r\n"));
        var received = Assert.Single(await _receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Contains("four", received.Text);
        Assert.Equal(0, _receiver.PendingScript);
        Assert.Equal(4, _receiver.Transactions);
        Assert.Equal(2, _receiver.TotalConnections);
    }

    [Fact]
    public async Task Recipients_can_be_refused_at_rcpt()
    {
        _receiver.Script(ScriptedOutcome.RejectRecipients());
        using var smtp = await ConnectAsync();
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => smtp.SendAsync(NewMessage("r", "body\r\n")));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, refused.ErrorCode);
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Empty(_receiver.Messages);
    }

    [Fact]
    public async Task Greeting421_refuses_the_connection()
    {
        _receiver.Mode = ReceiverMode.Greeting421;
        await using var client = await RawSmtpClient.ConnectAsync(_receiver.EndPoint);
        var greeting = await client.ReadReplyAsync();
        Assert.StartsWith("421 4.3.2", greeting);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Down_refuses_connections_and_up_listens_again_on_the_same_port()
    {
        var endPoint = _receiver.EndPoint;
        await using (var before = await RawSmtpClient.ConnectAsync(endPoint))
        {
            Assert.Equal(220, await before.ReadCodeAsync());
            _receiver.Down();
            Assert.True(await before.IsClosedAsync()); // open connections are cut
        }
        Assert.False(_receiver.IsUp);
        await Assert.ThrowsAnyAsync<SocketException>(() => RawSmtpClient.ConnectAsync(endPoint));

        _receiver.Up();
        Assert.Equal(endPoint, _receiver.EndPoint);
        await using var after = await RawSmtpClient.ConnectAsync(endPoint);
        Assert.Equal(220, await after.ReadCodeAsync());
    }

    [Fact]
    public async Task Down_also_ends_connections_that_wait_on_a_long_response_delay()
    {
        _receiver.ResponseDelay = TimeSpan.FromMinutes(5);
        await using var client = await RawSmtpClient.ConnectAsync(_receiver.EndPoint);
        await WaitUntilAsync(() => _receiver.CurrentConnections == 1);
        _receiver.Down();
        Assert.True(await client.IsClosedAsync());
        await WaitUntilAsync(() => _receiver.CurrentConnections == 0);
    }

    [Fact]
    public async Task Connections_are_counted()
    {
        var clients = new List<RawSmtpClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await RawSmtpClient.ConnectAsync(_receiver.EndPoint);
            Assert.Equal(220, await client.ReadCodeAsync());
            clients.Add(client);
        }
        Assert.Equal(3, _receiver.CurrentConnections);
        foreach (var client in clients)
        {
            await client.SendAsync("QUIT\r\n");
            Assert.Equal(221, await client.ReadCodeAsync());
            await client.DisposeAsync();
        }
        await WaitUntilAsync(() => _receiver.CurrentConnections == 0);
        Assert.Equal(3, _receiver.MaxConcurrentConnections);
        Assert.Equal(3, _receiver.TotalConnections);
    }

    [Fact]
    public async Task Response_delay_slows_every_reply()
    {
        _receiver.ResponseDelay = TimeSpan.FromMilliseconds(200);
        await using var client = await RawSmtpClient.ConnectAsync(_receiver.EndPoint);
        var watch = Stopwatch.StartNew();
        Assert.Equal(220, await client.ReadCodeAsync());
        await client.SendAsync("NOOP\r\nNOOP\r\n");
        Assert.Equal(250, await client.ReadCodeAsync());
        Assert.Equal(250, await client.ReadCodeAsync());
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(550), $"three replies took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_group_shares_one_port_on_several_addresses()
    {
        var group = ScriptedSmtpReceiver.StartGroup("127.0.0.3", "127.0.0.4");
        try
        {
            Assert.Equal(group[0].Port, group[1].Port);
            Assert.Equal("127.0.0.4", group[1].Address.ToString());
            group[0].Down();
            await Assert.ThrowsAnyAsync<SocketException>(() => RawSmtpClient.ConnectAsync(group[0].EndPoint));
            await using var client = await RawSmtpClient.ConnectAsync(group[1].EndPoint);
            Assert.Equal(220, await client.ReadCodeAsync());
        }
        finally
        {
            foreach (var receiver in group) await receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartTls_is_offered_when_enabled()
    {
        _receiver.EnableStartTls();
        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, CheckCertificateRevocation = false })
        {
            await smtp.ConnectAsync(_receiver.Address.ToString(), _receiver.Port, SecureSocketOptions.StartTls);
            await smtp.SendAsync(NewMessage("tls", "secret\r\n"));
            await smtp.DisconnectAsync(quit: true);
        }
        Assert.True(Assert.Single(await _receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(5))).Tls);
    }

    [Fact]
    public async Task Waiting_for_messages_that_never_come_times_out()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => _receiver.WaitForMessagesAsync(1, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("0 messages", error.Message);
    }

    [Fact]
    public void Only_loopback_addresses_are_accepted()
    {
        Assert.Throws<ArgumentException>(() => ScriptedSmtpReceiver.Start("0.0.0.0"));
        Assert.Throws<ArgumentException>(() => ScriptedSmtpReceiver.Start("10.0.0.1"));
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var smtp = new SmtpClient { Timeout = 10_000 };
        await smtp.ConnectAsync(_receiver.Address.ToString(), _receiver.Port, SecureSocketOptions.None);
        return smtp;
    }

    private static MimeMessage NewMessage(string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@origin.test"));
        message.To.Add(MailboxAddress.Parse("rcpt@dest.test"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("origin.test");
        message.Body = new TextPart("plain") { Text = body, ContentTransferEncoding = ContentEncoding.EightBit };
        return message;
    }

    private static async Task<int[]> ReadCodesAsync(RawSmtpClient client, int count)
    {
        var codes = new int[count];
        for (var i = 0; i < count; i++) codes[i] = await client.ReadCodeAsync();
        return codes;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 5 s");
            await Task.Delay(10);
        }
    }
}
