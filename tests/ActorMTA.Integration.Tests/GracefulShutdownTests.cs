using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// SIGTERM is a graceful stop: no new connections, idle sessions are told goodbye, a message inside DATA
/// finishes and gets its 250 (and is kept), then the process exits 0.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GracefulShutdownTests
{
    private static readonly TestUser Recipient = TestUser.Local("graceful");

    [Fact]
    public async Task Sigterm_tells_an_idle_smtp_session_421_4_3_2_and_exits_0()
    {
        await using var server = await ServerProcess.StartAsync();
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);

        var exit = server.StopAsync(TimeSpan.FromSeconds(40));

        var reply = await smtp.ReadReplyAsync();
        Assert.True(reply.Code == 421 && reply.EnhancedCode == "4.3.2", $"expected 421 4.3.2, got {reply}");
        Assert.True(await smtp.Connection.IsClosedByPeerAsync(), "the session should be closed after 421");
        Assert.Equal(0, await exit);
    }

    [Fact]
    public async Task Sigterm_tells_idle_imap_and_pop3_sessions_goodbye()
    {
        await using var server = await ServerProcess.StartAsync();
        await using var imap = await TextConnection.ConnectAsync(server.Ports.Imap);
        Assert.StartsWith("* OK", await imap.ReadLineAsync());
        await using var pop = await Pop3Conversation.OpenAsync(server.Ports.Pop3);

        var exit = server.StopAsync(TimeSpan.FromSeconds(40));

        Assert.StartsWith("* BYE", await imap.ReadLineAsync());
        Assert.True(await imap.IsClosedByPeerAsync(), "the IMAP session should be closed after BYE");
        Assert.StartsWith("-ERR", await pop.Connection.ReadLineAsync());
        Assert.True(await pop.Connection.IsClosedByPeerAsync(), "the POP3 session should be closed after -ERR");
        Assert.Equal(0, await exit);
    }

    [Fact]
    public async Task Sigterm_lets_a_message_inside_data_finish_with_250_and_keeps_it()
    {
        await using var server = await ServerProcess.StartAsync(users: [Recipient]);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{Recipient.Address}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        var message = Encoding.ASCII.GetBytes(
            $"From: sender@example.org\r\nTo: {Recipient.Address}\r\nMessage-ID: <parked-in-data@graceful.test>\r\nSubject: parked\r\n\r\n" +
            string.Concat(Enumerable.Range(0, 200).Select(i => $"line {i} of a message that is still being sent at SIGTERM\r\n")));
        var wire = SmtpConversation.DotStuffed(message);
        var half = wire.Length / 2;
        await smtp.Connection.WriteAsync(wire.AsMemory(0, half));

        var exit = server.StopAsync(TimeSpan.FromSeconds(60));

        // While the parked session is still inside its grace time, the listener is already closed.
        await WaitUntilRefusedAsync(server.Ports.Smtp, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(server.HasExited, "the server must wait for the session inside DATA");

        await smtp.Connection.WriteAsync(wire.AsMemory(half));
        var accepted = await smtp.ReadReplyAsync();
        Assert.True(accepted.Code == 250, $"the message inside DATA should be accepted, got {accepted}\n{server.Output}");
        var farewell = await smtp.ReadReplyAsync();
        Assert.True(farewell.Code == 421 && farewell.EnhancedCode == "4.3.2", $"expected 421 4.3.2 after the 250, got {farewell}");
        Assert.Equal(0, await exit);

        await server.RestartAsync();
        var stored = await MailKitClients.FetchAllAsync(server.Ports.Pop3, Recipient);
        Assert.Single(stored, m => Encoding.ASCII.GetString(m).Contains("<parked-in-data@graceful.test>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_that_outlasts_the_shutdown_grace_is_cut_off_and_the_server_still_exits_0()
    {
        await using var server = await ServerProcess.StartAsync("actormta.shutdown-grace = 2s", users: [Recipient]);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{Recipient.Address}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        await smtp.Connection.WriteAsync("Subject: never finished\r\n\r\nhalf a message\r\n"u8.ToArray());

        var clock = Stopwatch.StartNew();
        var exit = await server.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the stop took {clock.Elapsed}, far longer than the 2 s grace");
        var farewell = await smtp.Connection.ReadLineAsync();
        Assert.True(farewell is null || farewell.StartsWith("421 4.3.2", StringComparison.Ordinal), $"unexpected line after the grace: {farewell}");
    }

    [Fact]
    public async Task Sigterm_answers_a_login_waiting_out_its_failure_delay_at_once()
    {
        await using var server = await ServerProcess.StartAsync(
            "actormta.smtp { auth-requires-tls = off, auth-failure-delay = 30s }", users: [Recipient]);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        await smtp.Connection.WriteLineAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Recipient.Address}\0wrong")));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        var exit = server.StopAsync(TimeSpan.FromSeconds(60));

        var failed = await smtp.ReadReplyAsync();
        Assert.Equal(535, failed.Code);
        var farewell = await smtp.ReadReplyAsync();
        Assert.True(farewell.Code == 421 && farewell.EnhancedCode == "4.3.2", $"expected 421 4.3.2, got {farewell}");
        Assert.Equal(0, await exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stop waited {clock.Elapsed} for the 30 s failure delay");
    }

    private static async Task WaitUntilRefusedAsync(int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"port {port} still accepts connections {timeout} after SIGTERM");
            await Task.Delay(50);
        }
    }
}
