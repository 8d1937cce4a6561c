using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>A server with small limits, so every limit can be hit quickly.</summary>
public sealed class LimitedServerFixture : IAsyncLifetime
{
    public const int MaxRecipients = 3;
    public const int MaxMessageSize = 100_000;
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(2);

    public static readonly TestUser[] Recipients = [TestUser.Local("r1"), TestUser.Local("r2"), TestUser.Local("r3"), TestUser.Local("r4")];
    public static readonly TestUser AuthUser = TestUser.Local("auth");
    public static readonly TestUser TooBig = TestUser.Local("too-big");
    public static readonly TestUser Dropped = TestUser.Local("dropped");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        $$"""
        actormta.smtp {
          max-recipients = {{MaxRecipients}}
          max-message-size = {{MaxMessageSize}}
          command-timeout = {{CommandTimeout.TotalSeconds}}s
          auth-failure-delay = 300ms
        }
        """,
        [.. Recipients, AuthUser, TooBig, Dropped]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// Raw conversations that break the rules, one per reply code: the code and the enhanced code are
/// both asserted, and afterwards the same session must still work (NOOP gets 250).
/// </summary>
[Trait("Category", "Integration")]
public sealed class BadInputTests(LimitedServerFixture fixture) : IClassFixture<LimitedServerFixture>
{
    private ServerProcess Server => fixture.Server;
    private static string R(int i) => LimitedServerFixture.Recipients[i].Address;

    [Fact]
    public async Task Rcpt_before_mail_is_503_5_5_1()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync($"RCPT TO:<{R(0)}>"), 503, "5.5.1");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Data_before_rcpt_is_503_5_5_1()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250, "2.1.0");
        AssertReply(await smtp.CommandAsync("DATA"), 503, "5.5.1");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Unknown_command_is_500_5_5_2()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("FROBNICATE now"), 500, "5.5.2");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Bad_syntax_is_501_5_5_4()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("MAIL FROM:foo"), 501, "5.5.4");
        await AssertStillUsableAsync(smtp);
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(1024 * 1024)]
    public async Task Line_too_long_is_500_5_5_6(int length)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        // One reply for the whole over-long line, however long it is; then the next line is a command again.
        AssertReply(await smtp.CommandAsync("NOOP " + new string('x', length)), 500, "5.5.6");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Too_many_recipients_is_452_4_5_3()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250, "2.1.0");
        for (var i = 0; i < LimitedServerFixture.MaxRecipients; i++) AssertReply(await smtp.CommandAsync($"RCPT TO:<{R(i)}>"), 250, "2.1.5");
        AssertReply(await smtp.CommandAsync($"RCPT TO:<{R(LimitedServerFixture.MaxRecipients)}>"), 452, "4.5.3");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Declared_size_over_the_limit_is_552_5_3_4()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        var ehlo = await smtp.CommandAsync("EHLO client.test");
        Assert.Contains($"SIZE {LimitedServerFixture.MaxMessageSize}", ehlo.Lines);
        AssertReply(await smtp.CommandAsync($"MAIL FROM:<sender@example.org> SIZE={LimitedServerFixture.MaxMessageSize * 2}"), 552, "5.3.4");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Actual_size_over_the_limit_is_552_5_3_4_and_nothing_is_delivered()
    {
        var user = LimitedServerFixture.TooBig;
        var body = new StringBuilder($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: too big\r\n\r\n");
        while (body.Length < LimitedServerFixture.MaxMessageSize * 3 / 2) body.Append(new string('y', 98)).Append("\r\n");

        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            AssertReply(await smtp.SendMessageAsync("sender@example.org", [user.Address], Encoding.ASCII.GetBytes(body.ToString())), 552, "5.3.4");
            await AssertStillUsableAsync(smtp);
        }

        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        Assert.Equal(0, (await pop.StatAsync()).Count);
    }

    [Fact]
    public async Task Unknown_local_user_is_550_5_1_1()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250, "2.1.0");
        AssertReply(await smtp.CommandAsync($"RCPT TO:<nobody-here@{ServerProcess.Domain}>"), 550, "5.1.1");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Relay_to_a_remote_domain_without_auth_is_550_5_7_1()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        AssertReply(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250, "2.1.0");
        AssertReply(await smtp.CommandAsync("RCPT TO:<someone@remote.example>"), 550, "5.7.1");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Mail_on_submission_without_auth_is_530_5_7_0()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Submission);
        AssertReply(await smtp.CommandAsync($"MAIL FROM:<{LimitedServerFixture.AuthUser.Address}>"), 530, "5.7.0");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Wrong_password_is_535_5_7_8()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Submission, startTls: true);
        AssertReply(await smtp.AuthPlainAsync(LimitedServerFixture.AuthUser.Address, "not-the-password"), 535, "5.7.8");
        await AssertStillUsableAsync(smtp);
    }

    [Fact]
    public async Task Idle_session_gets_421_4_4_2_and_is_closed()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        smtp.Connection.ReadTimeout = LimitedServerFixture.CommandTimeout * 5;
        var watch = Stopwatch.StartNew();
        var reply = await smtp.ReadReplyAsync();
        AssertReply(reply, 421, "4.4.2");
        Assert.True(watch.Elapsed >= LimitedServerFixture.CommandTimeout * 0.75, $"timed out after only {watch.Elapsed}");
        Assert.True(await smtp.Connection.IsClosedByPeerAsync(), "the connection should be closed after 421");
        await AssertServerServesNewSessionAsync();
    }

    [Fact]
    public async Task Garbage_lines_get_error_replies_and_the_session_survives()
    {
        var random = new Random(7);
        // Up to soft-error-limit errors: answered at once, and the session goes on. More are delayed and the
        // hard-error-limit-th ends the session (AbusiveClientTests).
        const int lineCount = 10;
        var garbage = new MemoryStream();
        for (var i = 0; i < lineCount; i++)
        {
            var line = RandomBytesWithoutLineEnds(random, random.Next(1, 300));
            line[random.Next(line.Length)] = 0; // every line has a NUL
            garbage.Write(line);
            garbage.Write("\r\n"u8);
        }

        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        await smtp.Connection.WriteAsync(garbage.ToArray());
        for (var i = 0; i < lineCount; i++)
        {
            var reply = await smtp.ReadReplyAsync();
            Assert.True(reply.Code is >= 500 and < 600, $"garbage line {i} got {reply}");
        }
        await AssertStillUsableAsync(smtp);
        await AssertServerServesNewSessionAsync();
    }

    [Theory]
    [InlineData(2_000)]   // shorter than a command line may be
    [InlineData(200_000)] // far longer than any line may be
    public async Task Garbage_without_newline_then_disconnect_does_not_hurt_the_server(int length)
    {
        var garbage = RandomBytesWithoutLineEnds(new Random(length), length);
        garbage[0] = 0;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            await smtp.Connection.WriteAsync(garbage);
            await Task.Delay(200);
            smtp.Connection.Abort();
        }
        await AssertServerServesNewSessionAsync();
    }

    [Fact]
    public async Task Binary_garbage_before_any_command_gets_errors_not_a_crash()
    {
        var garbage = new byte[4096];
        new Random(3).NextBytes(garbage); // includes CR, LF and NUL bytes in random places
        await using (var connection = await TextConnection.ConnectAsync(Server.Ports.Smtp))
        {
            Assert.StartsWith("220 ", await connection.ReadLineAsync());
            await connection.WriteAsync(garbage);
            await connection.WriteAsync("\r\nNOOP\r\n"u8.ToArray());
            // Every reply is an error until our NOOP's 250 (which proves the line parser resynchronised).
            while (true)
            {
                var line = await connection.ReadLineAsync() ?? throw new EndOfStreamException("server closed the session on garbage");
                if (line.StartsWith("250", StringComparison.Ordinal)) break;
                Assert.Matches("^5[0-9][0-9][ -]", line);
            }
        }
        await AssertServerServesNewSessionAsync();
    }

    [Fact]
    public async Task Client_that_disconnects_mid_data_delivers_nothing()
    {
        var user = LimitedServerFixture.Dropped;
        var complete = Encoding.ASCII.GetBytes($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: complete\r\n\r\nfine\r\n");
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "sender@example.org", user.Address, complete);

        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            AssertReply(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250, "2.1.0");
            AssertReply(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250, "2.1.5");
            Assert.Equal(354, (await smtp.CommandAsync("DATA")).Code);
            await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes(
                $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: half\r\n\r\nthe client dies before the final dot\r\n"));
            await Task.Delay(300);
            smtp.Connection.Abort();
        }
        await Task.Delay(1000);

        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        Assert.Equal(1, (await pop.StatAsync()).Count);
        var only = Encoding.ASCII.GetString(await pop.RetrAsync(1));
        Assert.Contains("Subject: complete", only);
    }

    private static byte[] RandomBytesWithoutLineEnds(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] is (byte)'\r' or (byte)'\n') bytes[i] = 0x80;
        return bytes;
    }

    private static void AssertReply(SmtpReply reply, int code, string enhanced)
    {
        Assert.True(reply.Code == code && reply.EnhancedCode == enhanced, $"expected {code} {enhanced}, got {reply}");
    }

    private static async Task AssertStillUsableAsync(SmtpConversation smtp)
    {
        AssertReply(await smtp.CommandAsync("NOOP"), 250, "2.0.0");
    }

    private async Task AssertServerServesNewSessionAsync()
    {
        Assert.False(Server.HasExited, $"server process died:\n{Server.Output}");
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        await AssertStillUsableAsync(smtp);
        await smtp.QuitAsync();
    }
}
