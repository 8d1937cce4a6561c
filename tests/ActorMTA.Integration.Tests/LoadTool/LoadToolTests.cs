using System.Globalization;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.LoadTool;

/// <summary>
/// actormta-load as a real process against a real server: SMTP load verified over POP3, the JSON
/// summary, loss detection by `verify`, relaying into the tool's sink, --hold, and IMAP/POP3 load.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LoadToolTests(LoadToolServerFixture fixture, ITestOutputHelper output) : IClassFixture<LoadToolServerFixture>, IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);
    private readonly string _directory = Directory.CreateTempSubdirectory("actormta-load-it-").FullName;

    private ServerProcess Server => fixture.Server;
    private string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task Two_hundred_sessions_send_two_thousand_messages_and_pop3_finds_every_one()
    {
        var result = await RunAsync(
            "smtp", "--port", Port(Server.Ports.Smtp), "--sessions", "200", "--messages", "2000",
            "--rcpt", LoadToolServerFixture.LoadPattern, "--users", "4",
            "--verify", "pop3", "--verify-port", Port(Server.Ports.Pop3), "--verify-starttls", "--verify-delete",
            "--password", LoadToolServerFixture.Password, "--verify-timeout", "60s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("acknowledged 2000", result.Stdout);
        Assert.Contains("arrived 2000  lost 0  duplicated 0  unexpected 0", result.Stdout);
        Assert.Contains("deleted 2000", result.Stdout);
        Assert.Contains("errors: none", result.Stdout);
    }

    [Fact]
    public async Task Json_summary_has_the_documented_fields()
    {
        var json = Path.Combine(_directory, "summary.json");
        var result = await RunAsync(
            "smtp", "--port", Port(Server.Ports.Smtp), "--sessions", "20", "--messages", "300", "--size-mix", "1k:50,8k:50",
            "--rcpt", LoadToolServerFixture.JsonUser.Address, "--verify", "imap", "--verify-port", Port(Server.Ports.Imap),
            "--verify-starttls", "--verify-delete", "--password", LoadToolServerFixture.Password, "--json", json);
        Assert.True(result.ExitCode == 0, result.ToString());

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = document.RootElement;
        Assert.Equal("smtp", root.GetProperty("command").GetString());
        Assert.Equal($"127.0.0.1:{Server.Ports.Smtp}", root.GetProperty("target").GetString());
        Assert.Equal(20, root.GetProperty("sessions").GetInt32());
        Assert.Equal(300, root.GetProperty("messages_sent").GetInt64());
        Assert.Equal(root.GetProperty("messages_sent").GetInt64(), root.GetProperty("messages_acknowledged").GetInt64());
        Assert.True(root.GetProperty("duration_s").GetDouble() > 0);
        Assert.True(root.GetProperty("messages_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("sessions_per_s").GetDouble() > 0);
        Assert.Equal(20, root.GetProperty("peak_sessions_open").GetInt64());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("errors").ValueKind);
        Assert.Empty(root.GetProperty("errors").EnumerateObject());

        var latency = root.GetProperty("latency_ms");
        foreach (var command in new[] { "connect", "greeting", "ehlo", "mail", "rcpt", "data", "data-end", "quit", "message" })
        {
            var stats = latency.GetProperty(command);
            foreach (var field in new[] { "count", "p50", "p90", "p99", "max" }) Assert.True(stats.TryGetProperty(field, out _), $"{command}.{field}");
        }
        var dataEnd = latency.GetProperty("data-end");
        Assert.Equal(300, dataEnd.GetProperty("count").GetInt64());
        Assert.True(dataEnd.GetProperty("p50").GetDouble() > 0, dataEnd.ToString());
        Assert.True(dataEnd.GetProperty("p99").GetDouble() >= dataEnd.GetProperty("p50").GetDouble(), dataEnd.ToString());
        Assert.True(dataEnd.GetProperty("max").GetDouble() >= dataEnd.GetProperty("p99").GetDouble(), dataEnd.ToString());

        var verification = root.GetProperty("verification");
        Assert.Equal("imap", verification.GetProperty("method").GetString());
        Assert.Equal(300, verification.GetProperty("acknowledged").GetInt64());
        Assert.Equal(300, verification.GetProperty("arrived").GetInt64());
        Assert.Equal(0, verification.GetProperty("lost").GetInt64());
        Assert.Equal(300, verification.GetProperty("deleted").GetInt64());
    }

    [Fact]
    public async Task Verify_reports_a_message_deleted_after_it_was_acknowledged_as_lost()
    {
        var user = LoadToolServerFixture.LossUser;
        var ids = Path.Combine(_directory, "ids.txt");
        var send = await RunAsync("smtp", "--port", Port(Server.Ports.Smtp), "--sessions", "4", "--messages", "20",
            "--rcpt", user.Address, "--ids-out", ids);
        Assert.True(send.ExitCode == 0, send.ToString());
        var acknowledged = (await File.ReadAllLinesAsync(ids)).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.Equal(20, acknowledged.Count);

        string[] Verify(string json) =>
        [
            "verify", "--ids", ids, "--verify", "pop3", "--verify-port", Port(Server.Ports.Pop3), "--verify-starttls",
            "--password", user.Password, "--verify-timeout", "3s", "--json", json,
        ];

        // Everything is there: no false alarm.
        var before = await RunAsync(Verify(Path.Combine(_directory, "before.json")));
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Contains("arrived 20  lost 0", before.Stdout);

        // Another client takes one acknowledged message away (DELE + QUIT commits it).
        string deletedId;
        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            var (status, header) = await pop.MultiLineAsync("TOP 1 0");
            Pop3Conversation.Expect(status);
            deletedId = header.Select(l => System.Text.Encoding.ASCII.GetString(l))
                .Single(l => l.StartsWith("X-Load-Id: ", StringComparison.Ordinal))["X-Load-Id: ".Length..];
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }

        var afterJson = Path.Combine(_directory, "after.json");
        var after = await RunAsync(Verify(afterJson));
        Assert.True(after.ExitCode == 1, after.ToString());
        Assert.Contains("LOST", after.Stdout);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(afterJson));
        var verification = document.RootElement.GetProperty("verification");
        Assert.Equal(20, verification.GetProperty("acknowledged").GetInt64());
        Assert.Equal(19, verification.GetProperty("arrived").GetInt64());
        Assert.Equal(1, verification.GetProperty("lost").GetInt64());
        Assert.StartsWith(deletedId + " ", verification.GetProperty("lost_ids")[0].GetString());
    }

    [Fact]
    public async Task Mail_relayed_to_the_sink_is_verified_after_starttls_and_auth_on_submission()
    {
        var result = await RunAsync(
            "smtp", "--port", Port(Server.Ports.Submission), "--starttls", "--auth", $"{LoadToolServerFixture.Submitter.Address}:{LoadToolServerFixture.Password}",
            "--sessions", "10", "--messages", "200", "--rcpt", "r{n}@" + LoadToolServerFixture.SinkDomain, "--users", "3", "--rcpts-per-message", "2",
            "--pipelining", "off", "--verify", "sink", "--sink-port", Port(fixture.SinkPort), "--verify-timeout", "60s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("acknowledged 200  expected 400  arrived 400  lost 0  duplicated 0", result.Stdout);
    }

    [Fact]
    public async Task Hold_opens_every_session_before_sending_and_keeps_them_open()
    {
        var json = Path.Combine(_directory, "hold.json");
        var result = await RunAsync(
            "smtp", "--port", Port(Server.Ports.Smtp), "--hold", "--sessions", "300", "--source-ips", "3", "--messages", "600",
            "--rcpt", LoadToolServerFixture.HoldUser.Address, "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("all sessions open: 300 of 300", result.Stdout);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = document.RootElement;
        Assert.Equal(300, root.GetProperty("peak_sessions_open").GetInt64());
        Assert.Equal(300, root.GetProperty("connections_opened").GetInt64());
        Assert.Equal(600, root.GetProperty("messages_acknowledged").GetInt64());
        Assert.True(root.GetProperty("open_phase_s").GetDouble() > 0);
    }

    [Fact]
    public async Task Imap_and_pop3_sessions_read_a_mailbox()
    {
        var user = LoadToolServerFixture.ReaderUser;
        var fill = await RunAsync("smtp", "--port", Port(Server.Ports.Smtp), "--sessions", "2", "--messages", "10", "--rcpt", user.Address);
        Assert.True(fill.ExitCode == 0, fill.ToString());

        foreach (var protocol in new[] { "imap", "pop3" })
        {
            var json = Path.Combine(_directory, protocol + ".json");
            var port = protocol == "imap" ? Server.Ports.Imap : Server.Ports.Pop3;
            var result = await RunAsync(protocol, "--port", Port(port), "--starttls", "--sessions", "5", "--iterations", "30",
                "--user", user.Address, "--password", user.Password, "--json", json);
            Assert.True(result.ExitCode == 0, result.ToString());

            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = document.RootElement;
            Assert.Equal(30, root.GetProperty("messages_acknowledged").GetInt64());
            Assert.Equal(30, root.GetProperty("messages_fetched").GetInt64());
            Assert.Empty(root.GetProperty("errors").EnumerateObject());
            var latency = root.GetProperty("latency_ms");
            foreach (var command in protocol == "imap"
                         ? new[] { "login", "select", "fetch", "fetch-headers", "fetch-body", "store", "logout" }
                         : new[] { "user", "pass", "stat", "retr", "quit" })
                Assert.Equal(30, latency.GetProperty(command).GetProperty("count").GetInt64());
        }
    }

    [Fact]
    public async Task A_refused_connection_is_an_error_and_bad_options_are_a_usage_error()
    {
        var closed = await RunAsync("smtp", "--port", "1", "--sessions", "1", "--messages", "1", "--give-up-after", "2");
        Assert.True(closed.ExitCode == 3, closed.ToString());
        Assert.Contains("connect-refused", closed.Stdout);

        var usage = await RunAsync("smtp", "--size-mix", "2048:70,oops");
        Assert.True(usage.ExitCode == 2, usage.ToString());
        Assert.Contains("--size-mix", usage.Stderr);
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        var result = await LoadToolProcess.RunAsync(RunTimeout, args);
        output.WriteLine($"$ actormta-load {string.Join(' ', args)}\n{result}");
        return result;
    }
}
