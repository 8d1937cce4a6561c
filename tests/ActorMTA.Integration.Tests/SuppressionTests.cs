using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.Integration.Tests.Http;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>A running server for the suppression tests: relaying from loopback, HTTP injection on, and a refresh
/// timer so slow (1h) that anything in effect at once came from the CLI's reload of the running server.</summary>
public sealed class SuppressionServerFixture : IAsyncLifetime
{
    public const string Token = "suppression-token";
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");
    public int HttpPort { get; } = ServerPorts.PickOne();

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        $$"""
        actormta.smtp.relay-networks = ["127.0.0.0/8"]
        actormta.http { enabled = on, port = {{HttpPort}}, tokens = ["{{Token}}"] }
        actormta.suppression { refresh-interval = 1h }
        """);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// Suppression at injection over real sockets: `actormta suppression add` against the running server is in
/// effect when the command returns; RCPT of a suppressed relayed recipient gets 550 5.7.1 and the session goes on;
/// the HTTP API lists it in failed_recipients with the entry's reason (the request's tenant list too) and queues
/// the others; 100,000 entries go through import and export unchanged.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SuppressionTests(SuppressionServerFixture fixture) : IClassFixture<SuppressionServerFixture>
{
    private ServerProcess Server => fixture.Server;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)] + "@remote.example";

    private void Cli(params string[] args)
    {
        var result = Server.RunCli(args);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Suppression_add_is_in_effect_at_rcpt_when_the_command_returns_and_del_lifts_it()
    {
        var blocked = Unique("blocked");
        var fine = Unique("fine");
        var tenantOnly = Unique("tenant");
        Cli("suppression", "add", blocked.ToUpperInvariant(), "--reason", "550 5.1.1 no such user");
        Cli("suppression", "add", tenantOnly, "--tenant", "acme");

        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@example.org>")).Code);
            var refused = await smtp.CommandAsync($"RCPT TO:<{blocked}>");
            Assert.True(refused.Code == 550, refused.ToString());
            Assert.Equal("5.7.1", refused.EnhancedCode);
            Assert.Equal($"5.7.1 <{blocked}>: Recipient address rejected: address is suppressed", refused.Lines[^1]);
            // The session stays usable: the next recipients are judged on their own.
            Assert.Equal(250, (await smtp.CommandAsync($"RCPT TO:<{fine}>")).Code);
            // SMTP knows no tenant: only the global list applies.
            Assert.Equal(250, (await smtp.CommandAsync($"RCPT TO:<{tenantOnly}>")).Code);
            Assert.Equal(250, (await smtp.CommandAsync("RSET")).Code);
        }

        Cli("suppression", "del", blocked);
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@example.org>")).Code);
            Assert.Equal(250, (await smtp.CommandAsync($"RCPT TO:<{blocked}>")).Code);
        }
    }

    [Fact]
    public async Task The_http_api_reports_suppressed_recipients_in_failed_recipients_and_queues_the_others()
    {
        var blocked = Unique("blocked");
        var fine = Unique("fine");
        var tenantOnly = Unique("tenant");
        Cli("suppression", "add", blocked, "--reason", "complained");
        Cli("suppression", "add", tenantOnly, "--tenant", "acme", "--reason", "acme's list");

        JsonObject Body(string? tenant)
        {
            var body = new JsonObject
            {
                ["envelope_sender"] = "bounces@example.org",
                ["content"] = "From: news@example.org\r\nSubject: s\r\n\r\nbody\r\n",
                ["recipients"] = new JsonArray(new JsonObject { ["email"] = blocked }, new JsonObject { ["email"] = fine },
                    new JsonObject { ["email"] = tenantOnly }),
            };
            if (tenant is not null) body["tenant"] = tenant;
            return body;
        }

        var withTenant = await InjectApi.InjectAsync(fixture.HttpPort, SuppressionServerFixture.Token, Body("acme"));
        Assert.Equal(1, withTenant.SuccessCount);
        Assert.Equal([blocked, tenantOnly], withTenant.FailedRecipients.Order());
        Assert.StartsWith($"550 5.7.1 <{blocked}>: Recipient address rejected: address is suppressed", withTenant.Errors[blocked]);
        Assert.Contains("complained", withTenant.Errors[blocked]);
        Assert.Contains("acme's list", withTenant.Errors[tenantOnly]);

        // Without the tenant field only the global list applies.
        var withoutTenant = await InjectApi.InjectAsync(fixture.HttpPort, SuppressionServerFixture.Token, Body(null));
        Assert.Equal(2, withoutTenant.SuccessCount);
        Assert.Equal([blocked], withoutTenant.FailedRecipients);
    }

    [Fact]
    public async Task Import_and_export_of_100000_entries_round_trip_exactly_and_are_in_effect()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actormta-suppression-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var prefix = Guid.NewGuid().ToString("N")[..8];
            // Written in export's own form and order (tenant, then address), so the export must equal it byte for byte.
            var lines = Enumerable.Range(0, 100_000).Select(i =>
                {
                    var tenant = i % 10 == 0 ? "tenant" + (i % 7) : "";
                    var reason = i % 3 == 0 ? "\"quoted, reason\"\"\"" : "bounce " + i;
                    var expires = i % 5 == 0 ? "2099-01-01T00:00:00.0000000Z" : "";
                    return (tenant, address: $"imp{prefix}-{i:D6}@bulk.example", line: $"imp{prefix}-{i:D6}@bulk.example,{tenant},{reason},import,2026-01-02T03:04:05.1234567Z,{expires}");
                })
                .OrderBy(x => x.tenant, StringComparer.Ordinal).ThenBy(x => x.address, StringComparer.Ordinal)
                .Select(x => x.line);
            var input = Path.Combine(dir, "in.csv");
            await File.WriteAllTextAsync(input, "address,tenant,reason,source,created,expires\n" + string.Join("", lines.Select(l => l + "\n")), new UTF8Encoding(false));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var imported = Server.RunCli(TimeSpan.FromMinutes(2), "suppression", "import", input);
            Assert.True(imported.ExitCode == 0, imported.ToString());
            Assert.Contains("100000 entries imported", imported.Stdout);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"import took {clock.Elapsed}");

            // In effect when the import returned.
            await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
            {
                Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@example.org>")).Code);
                Assert.Equal(550, (await smtp.CommandAsync($"RCPT TO:<imp{prefix}-000001@bulk.example>")).Code);
            }

            // Only this test's entries (other tests of the class add their own): the bulk.example ones of this prefix.
            var output = Path.Combine(dir, "out.csv");
            var exported = Server.RunCli(TimeSpan.FromMinutes(2), "suppression", "export", output);
            Assert.True(exported.ExitCode == 0, exported.ToString());
            var exportedLines = (await File.ReadAllLinesAsync(output)).Where(l => l.StartsWith("address,") || l.StartsWith($"imp{prefix}-")).ToArray();
            var inputLines = await File.ReadAllLinesAsync(input);
            Assert.Equal(inputLines.Length, exportedLines.Length);
            Assert.True(inputLines.SequenceEqual(exportedLines), "the export differs from the imported file");

            // And back in: importing the export changes nothing.
            var again = Server.RunCli(TimeSpan.FromMinutes(2), "suppression", "import", output);
            Assert.True(again.ExitCode == 0, again.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Bad_input_gets_one_line_errors()
    {
        var bad = Server.RunCli("suppression", "add", "not-an-address");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("actormta: not a valid address: 'not-an-address'", bad.Stderr.Trim());
        Assert.Equal(2, Server.RunCli("suppression", "frobnicate").ExitCode);
        Assert.Equal(2, Server.RunCli("suppression", "add", "a@b.example", "--expires", "soon").ExitCode);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "address,tenant,reason,source,created,expires\nok@x.example,,,,,\nbroken,,,,,\n");
            var import = Server.RunCli("suppression", "import", file);
            Assert.Equal(1, import.ExitCode);
            Assert.Equal($"actormta: {file}:3: not a valid address: 'broken'", import.Stderr.Trim());
            var list = JsonDocument.Parse(Server.RunCli("suppression", "list", "--json").Stdout);
            Assert.DoesNotContain("ok@x.example", list.RootElement.EnumerateArray().Select(e => e.GetProperty("address").GetString()));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
