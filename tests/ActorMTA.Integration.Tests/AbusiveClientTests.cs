using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests;

/// <summary>A server with short deadlines and small error limits, so slow and abusive clients are cut off in seconds.</summary>
public sealed class AbusiveClientServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan ErrorDelay = TimeSpan.FromMilliseconds(300);
    public static readonly TestUser User = TestUser.Local("abuse-target");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        $$"""
        actormta.smtp {
          command-timeout = {{CommandTimeout.TotalSeconds}}s
          data-timeout = {{DataTimeout.TotalSeconds}}s
          # Off here, so the trickled DATA shows the total deadline; MinDataRateTests has its own server.
          min-data-rate = 0
          soft-error-limit = 10
          hard-error-limit = 20
          error-delay = {{ErrorDelay.TotalMilliseconds}}ms
          max-connections = 2000
          max-connections-per-ip = 1000
        }
        actormta.imap {
          command-timeout = {{CommandTimeout.TotalSeconds}}s
          auth-requires-tls = off
          max-bad-commands = 20
          max-literal-before-auth = 8192
        }
        actormta.pop3 {
          command-timeout = {{CommandTimeout.TotalSeconds}}s
          auth-requires-tls = off
          max-bad-commands = 20
        }
        """,
        [User]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// Slow (slowloris) and abusive clients over real sockets: deadlines are totals, not restarted by every byte;
/// errors are limited; large pre-login literals are refused at once; client bytes reach the log escaped.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AbusiveClientTests(AbusiveClientServerFixture fixture, ITestOutputHelper output) : IClassFixture<AbusiveClientServerFixture>
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2.5);
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Smtp_command_line_trickled_a_byte_a_second_is_cut_off_at_the_command_deadline()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Smtp);
        Assert.StartsWith("220 ", await client.ReadLineAsync());
        var clock = Stopwatch.StartNew();
        var (lines, closed, elapsed) = await TrickleUntilClosedAsync(client, Encoding.ASCII.GetBytes("NOOP NOOP NOOP NOOP NOOP NOOP NOOP"), clock);
        Assert.True(closed, $"still open after {elapsed}; got: {string.Join(" | ", lines)}");
        Assert.StartsWith("421 4.4.2 ", Assert.Single(lines));
        Assert.InRange(elapsed, AbusiveClientServerFixture.CommandTimeout * 0.9, AbusiveClientServerFixture.CommandTimeout + Slack);
    }

    [Fact]
    public async Task Imap_command_line_trickled_a_byte_a_second_ends_with_bye_at_the_command_deadline()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Imap);
        Assert.StartsWith("* OK", await client.ReadLineAsync());
        var clock = Stopwatch.StartNew();
        var (lines, closed, elapsed) = await TrickleUntilClosedAsync(client, Encoding.ASCII.GetBytes("a1 CAPABILITY a1 CAPABILITY a1 CAPABILITY"), clock);
        Assert.True(closed, $"still open after {elapsed}; got: {string.Join(" | ", lines)}");
        Assert.StartsWith("* BYE", Assert.Single(lines));
        Assert.InRange(elapsed, AbusiveClientServerFixture.CommandTimeout * 0.9, AbusiveClientServerFixture.CommandTimeout + Slack);
    }

    [Fact]
    public async Task Pop3_command_line_trickled_a_byte_a_second_ends_with_err_at_the_command_deadline()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Pop3);
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        var clock = Stopwatch.StartNew();
        var (lines, closed, elapsed) = await TrickleUntilClosedAsync(client, Encoding.ASCII.GetBytes("CAPA CAPA CAPA CAPA CAPA CAPA CAPA"), clock);
        Assert.True(closed, $"still open after {elapsed}; got: {string.Join(" | ", lines)}");
        Assert.StartsWith("-ERR", Assert.Single(lines));
        Assert.InRange(elapsed, AbusiveClientServerFixture.CommandTimeout * 0.9, AbusiveClientServerFixture.CommandTimeout + Slack);
    }

    [Fact]
    public async Task Smtp_data_trickled_a_byte_a_second_is_cut_off_at_the_data_deadline()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<slow@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{AbusiveClientServerFixture.User.Address}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        var clock = Stopwatch.StartNew();
        var (lines, closed, elapsed) = await TrickleUntilClosedAsync(smtp.Connection, Encoding.ASCII.GetBytes("Subject: slow\r\n\r\nvery slow body text"), clock);
        Assert.True(closed, $"still open after {elapsed}; got: {string.Join(" | ", lines)}");
        Assert.StartsWith("421 4.4.2 ", Assert.Single(lines));
        Assert.InRange(elapsed, AbusiveClientServerFixture.DataTimeout * 0.9, AbusiveClientServerFixture.DataTimeout + Slack);
    }

    [Fact]
    public async Task Normal_client_is_served_within_a_second_while_200_slowloris_connections_are_open_and_they_are_all_cut_off()
    {
        const int Slowloris = 200;
        // Warm the path first (mailbox entity, spool, journal), so the timed client measures the slowloris effect
        // and not a cold start on a busy CI machine.
        await SendNormalMessageAsync();
        var clock = Stopwatch.StartNew();
        var connections = await Task.WhenAll(Enumerable.Range(0, Slowloris).Select(_ => TextConnection.ConnectAsync(Server.Ports.Smtp)));
        try
        {
            foreach (var c in connections) Assert.StartsWith("220 ", await c.ReadLineAsync());
            var slow = connections.Select(c => TrickleUntilClosedAsync(c, Encoding.ASCII.GetBytes("EHLO slow.example.org EHLO slow.example.org"), clock)).ToList();
            await Task.Delay(1500);

            // The median of three normal clients, so one scheduler hiccup on a 2-core machine is not a failure.
            var times = new List<TimeSpan>();
            for (var i = 0; i < 3; i++)
            {
                var served = Stopwatch.StartNew();
                await SendNormalMessageAsync();
                times.Add(served.Elapsed);
            }
            times.Sort();
            output.WriteLine($"normal clients served in {string.Join(", ", times.Select(t => $"{t.TotalMilliseconds:F0}"))} ms");
            Assert.True(times[1] < TimeSpan.FromSeconds(1), $"normal clients took {string.Join(", ", times)} with {Slowloris} slowloris connections open");

            var outcomes = await Task.WhenAll(slow);
            var open = outcomes.Count(o => !o.Closed);
            Assert.True(open == 0, $"{open} of {Slowloris} slowloris connections still open after {clock.Elapsed}");
            var wrong = outcomes.Where(o => o.Lines.Count != 1 || !o.Lines[0].StartsWith("421 4.4.2 ")).ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} did not end with one 421 4.4.2, e.g. {string.Join(" | ", wrong.FirstOrDefault().Lines ?? [])}");
            // Each one's deadline started at its greeting, before the trickle did.
            var last = outcomes.Max(o => o.Elapsed);
            Assert.True(last < AbusiveClientServerFixture.CommandTimeout + Slack,
                $"the last slowloris connection was closed only {last} after its trickle started");
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task Smtp_random_bytes_end_with_421_4_7_0_after_the_hard_error_limit()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Smtp);
        Assert.StartsWith("220 ", await client.ReadLineAsync());
        var (lines, closed) = await FloodWithRandomBytesAsync(client);
        Assert.True(closed, $"still open after {lines.Count} lines");
        Assert.StartsWith("421 4.7.0 ", lines[^1]);
        Assert.InRange(lines.Count(l => l.StartsWith('5')), 1, 20);
    }

    [Fact]
    public async Task Imap_random_bytes_end_with_bye_after_the_bad_command_limit()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Imap);
        Assert.StartsWith("* OK", await client.ReadLineAsync());
        var (lines, closed) = await FloodWithRandomBytesAsync(client);
        Assert.True(closed, $"still open after {lines.Count} lines");
        Assert.StartsWith("* BYE", lines[^1]);
        Assert.InRange(lines.Count(l => l.Contains(" BAD ", StringComparison.Ordinal) || l.StartsWith("* BAD", StringComparison.Ordinal)), 1, 20);
    }

    [Fact]
    public async Task Pop3_random_bytes_end_with_err_after_the_bad_command_limit()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Pop3);
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        var (lines, closed) = await FloodWithRandomBytesAsync(client);
        Assert.True(closed, $"still open after {lines.Count} lines");
        Assert.StartsWith("-ERR Too many bad commands", lines[^1]);
        Assert.InRange(lines.Count(l => l.StartsWith("-ERR", StringComparison.Ordinal)), 2, 21);
    }

    [Fact]
    public async Task Thirty_unknown_recipients_are_delayed_after_ten_and_cut_off_at_twenty()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<harvester@example.org>"), 250);
        var durations = new List<TimeSpan>();
        SmtpReply? last = null;
        for (var i = 1; i <= 20; i++)
        {
            var clock = Stopwatch.StartNew();
            last = await smtp.CommandAsync($"RCPT TO:<nobody{i}@{ServerProcess.Domain}>");
            durations.Add(clock.Elapsed);
            Assert.Equal(550, last.Code);
            Assert.Equal("5.1.1", last.EnhancedCode);
        }
        output.WriteLine(string.Join(", ", durations.Select(d => $"{d.TotalMilliseconds:F0}")));
        // The first ten are not delayed (ten delays would be 3 s), the eleventh to the nineteenth are; the twentieth
        // comes at once with the 421 that ends the session.
        Assert.True(durations.Take(10).Sum(d => d.TotalMilliseconds) < 2500, "the first ten refusals were delayed");
        foreach (var d in durations.Skip(10).Take(9)) Assert.True(d >= AbusiveClientServerFixture.ErrorDelay * 0.9, $"a refusal past the soft limit came after {d}");
        // The twentieth error ends the session: 421 4.7.0 right after its 550, then the close.
        var bye = await smtp.ReadReplyAsync();
        Assert.Equal(421, bye.Code);
        Assert.Equal("4.7.0", bye.EnhancedCode);
        Assert.True(await smtp.Connection.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task Imap_literal_plus_of_64_MiB_before_login_is_refused_at_once_and_the_connection_closed()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Imap);
        Assert.StartsWith("* OK", await client.ReadLineAsync());
        var clock = Stopwatch.StartNew();
        await client.WriteAsync(Encoding.ASCII.GetBytes("a1 LOGIN {67108864+}\r\n"));
        var reader = Task.Run(async () =>
        {
            var lines = new List<string>();
            try
            {
                while (await client.ReadLineAsync() is { } line) lines.Add(line);
            }
            catch (IOException) { }
            return lines;
        });
        // The bytes are already coming, as LITERAL+ allows: send some while the server answers.
        try
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 16 && !reader.IsCompleted; i++) await client.WriteAsync(chunk);
        }
        catch (IOException) { }
        var lines = await reader.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"answered after {clock.Elapsed}");
        Assert.Contains(lines, l => l.StartsWith("a1 BAD", StringComparison.Ordinal));
        Assert.StartsWith("* BYE", lines[^1]);
    }

    [Fact]
    public async Task Imap_synchronizing_literal_over_the_pre_login_limit_gets_bad_without_a_continuation()
    {
        await using var client = await TextConnection.ConnectAsync(Server.Ports.Imap);
        Assert.StartsWith("* OK", await client.ReadLineAsync());
        await client.WriteLineAsync("a1 LOGIN {100000}");
        Assert.StartsWith("a1 BAD", await client.ReadLineAsync());
        // A small literal is still fine before login, and the session goes on.
        await client.WriteLineAsync("a2 LOGIN {5}");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        await client.WriteLineAsync("nobod wrong-password");
        Assert.StartsWith("a2 NO", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Client_bytes_in_log_lines_are_escaped()
    {
        // A command line with an ESC and an invalid UTF-8 byte, until the error limit ends the session and it is logged.
        await using (var client = await TextConnection.ConnectAsync(Server.Ports.Smtp))
        {
            Assert.StartsWith("220 ", await client.ReadLineAsync());
            var line = new byte[] { (byte)'X', 0x1b, (byte)'[', (byte)'2', (byte)'J', 0xff, (byte)'\r', (byte)'\n' };
            for (var i = 0; i < 20; i++) await client.WriteAsync(line);
            var lines = new List<string>();
            while (await client.ReadLineAsync() is { } reply) lines.Add(reply);
            Assert.StartsWith("421 4.7.0 ", lines[^1]);
        }
        // A user name with an ESC in it, from a failed IMAP login.
        await using (var client = await TextConnection.ConnectAsync(Server.Ports.Imap))
        {
            Assert.StartsWith("* OK", await client.ReadLineAsync());
            var user = Encoding.ASCII.GetBytes("evil\x1b[2Juser");
            await client.WriteLineAsync($"a1 LOGIN {{{user.Length}}}");
            Assert.StartsWith("+ ", await client.ReadLineAsync());
            await client.WriteAsync(user.Concat(Encoding.ASCII.GetBytes(" wrong\r\n")).ToArray());
            Assert.StartsWith("a1 NO", await client.ReadLineAsync());
        }
        var log = await WaitForLogAsync(o => o.Contains(@"X\x1b[2J\xff", StringComparison.Ordinal) && o.Contains(@"evil\x1b[2Juser", StringComparison.Ordinal));
        Assert.True(log, "escaped client bytes not found in the server log:\n" + Tail(Server.Output));
        Assert.DoesNotContain('\x1b', Server.Output);
    }

    private async Task SendNormalMessageAsync()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        var message = Encoding.ASCII.GetBytes($"Subject: meanwhile\r\nTo: {AbusiveClientServerFixture.User.Address}\r\n\r\nhello\r\n");
        SmtpConversation.Expect(await smtp.SendMessageAsync("fast@example.org", [AbusiveClientServerFixture.User.Address], message), 250);
    }

    private async Task<bool> WaitForLogAsync(Func<string, bool> found)
    {
        for (var i = 0; i < 50; i++)
        {
            if (found(Server.Output)) return true;
            await Task.Delay(100);
        }
        return found(Server.Output);
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    /// <summary>Sends one byte a second until the server closes (or 15 s pass); returns what the server said, and how
    /// long after the trickle started it closed.</summary>
    private static async Task<(List<string> Lines, bool Closed, TimeSpan Elapsed)> TrickleUntilClosedAsync(TextConnection client, byte[] bytes, Stopwatch clock)
    {
        var started = clock.Elapsed;
        var reader = ReadAllAsync(client, clock);
        for (var i = 0; !reader.IsCompleted && clock.Elapsed - started < TimeSpan.FromSeconds(15); i++)
        {
            try { await client.WriteAsync(bytes.AsMemory(i % bytes.Length, 1)); }
            catch (IOException) { break; }
            await Task.WhenAny(reader, Task.Delay(1000));
        }
        if (!reader.IsCompleted) return ([], false, clock.Elapsed - started);
        var (lines, endedAt) = await reader;
        return (lines, true, endedAt - started);
    }

    /// <summary>Reads lines until the server closes; returns them and when (on <paramref name="clock"/>) the close came.</summary>
    private static async Task<(List<string> Lines, TimeSpan EndedAt)> ReadAllAsync(TextConnection client, Stopwatch clock)
    {
        var lines = new List<string>();
        client.ReadTimeout = TimeSpan.FromSeconds(20);
        try
        {
            while (await client.ReadLineAsync() is { } line) lines.Add(line);
        }
        catch (IOException) { }
        catch (TimeoutException) { }
        return (lines, clock.Elapsed);
    }

    /// <summary>Writes 1 MiB of random bytes while reading replies; returns the replies and whether the server closed
    /// within 20 s.</summary>
    private static async Task<(List<string> Lines, bool Closed)> FloodWithRandomBytesAsync(TextConnection client)
    {
        var garbage = new byte[1024 * 1024];
        new Random(15).NextBytes(garbage);
        var reader = Task.Run(async () =>
        {
            var lines = new List<string>();
            client.ReadTimeout = TimeSpan.FromSeconds(20);
            try
            {
                while (await client.ReadLineAsync() is { } line) lines.Add(line);
                return (lines, true);
            }
            catch (IOException) { return (lines, true); }
            catch (TimeoutException) { return (lines, false); }
        });
        var writer = Task.Run(async () =>
        {
            try
            {
                for (var offset = 0; offset < garbage.Length && !reader.IsCompleted; offset += 4096)
                    await client.WriteAsync(garbage.AsMemory(offset, 4096));
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
        });
        var result = await reader;
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        return result;
    }
}
