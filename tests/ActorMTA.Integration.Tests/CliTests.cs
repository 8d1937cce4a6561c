using System.Diagnostics;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>`actormta user|domain|run` against the data dir of a running server.</summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CliTests(SharedServerFixture fixture)
{
    // refresh-interval is 200ms; allow for a slow, busy machine.
    private static readonly TimeSpan NoticeWithin = TimeSpan.FromSeconds(5);

    private ServerProcess Server => fixture.Server;

    [Fact]
    public void Domain_list_json_parses()
    {
        var result = Server.RunCli("domain", "list", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var domains = JsonSerializer.Deserialize<string[]>(result.Stdout);
        Assert.Equal(new[] { ServerProcess.Domain }, domains);
    }

    [Fact]
    public void User_list_json_parses_and_has_every_user()
    {
        var result = Server.RunCli("user", "list", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var addresses = json.RootElement.EnumerateArray().Select(u => u.GetProperty("address").GetString()).ToHashSet();
        foreach (var user in SharedServerFixture.Users) Assert.Contains(user.Address, addresses);
    }

    [Fact]
    public void User_add_in_an_unknown_domain_fails_with_one_line()
    {
        var result = Server.RunCli("user", "add", "someone@unknown-domain.example", "--password", "pw");
        AssertFailure(result, 1);
    }

    [Fact]
    public void Duplicate_user_fails_with_one_line()
    {
        var result = Server.RunCli("user", "add", SharedServerFixture.MailKitPlain.Address, "--password", "another");
        AssertFailure(result, 1);
    }

    [Fact]
    public void Bad_usage_exits_2()
    {
        AssertFailure(Server.RunCli("frobnicate"), 2);
        AssertFailure(Server.RunCli("user"), 2);
        AssertFailure(Server.RunCli("user", "add", $"no-password@{ServerProcess.Domain}"), 2); // stdin is closed: no password anywhere
    }

    [Fact]
    public async Task Added_then_deleted_user_is_noticed_by_the_running_server()
    {
        var address = $"cli-{Guid.NewGuid():N}"[..16] + "@" + ServerProcess.Domain;
        var added = Server.RunCli("user", "add", address, "--password", "pw-added");
        Assert.True(added.ExitCode == 0, added.ToString());
        await EventuallyAsync(async () => (await RcptCodeAsync(address)) == 250, "the new user to be accepted by RCPT");

        var deleted = Server.RunCli("user", "del", address);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var list = Server.RunCli("user", "list", "--json");
        Assert.DoesNotContain(address, JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(u => u.GetProperty("address").GetString()));
        await EventuallyAsync(async () => (await RcptCodeAsync(address)) == 550, "the deleted user to be refused by RCPT");

        AssertFailure(Server.RunCli("user", "del", address), 1);
    }

    [Fact]
    public async Task Passwd_takes_effect_while_the_server_runs()
    {
        var user = SharedServerFixture.CliPasswd;
        Assert.True(await CanLoginAsync(user.Address, user.Password), "login with the original password");

        var changed = user with { Password = "a-brand-new-password" };
        var result = Server.RunCli("user", "passwd", user.Address, "--password", changed.Password);
        Assert.True(result.ExitCode == 0, result.ToString());

        await EventuallyAsync(() => CanLoginAsync(changed.Address, changed.Password), "login with the new password");
        Assert.False(await CanLoginAsync(user.Address, user.Password), "the old password still works after passwd");
    }

    [Fact]
    public void Run_on_a_locked_data_dir_exits_1_with_one_line()
    {
        var result = Server.RunCli(TimeSpan.FromSeconds(60), "run");
        AssertFailure(result, 1);
        Assert.Contains("lock", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(Server.HasExited, "the running server must not be disturbed");
    }

    [Fact]
    public void Malformed_config_file_fails_with_one_line()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"actormta-bad-{Guid.NewGuid():N}.conf");
        // A comma after an object value: legal in the HOCON spec, rejected by Akka's parser. Either way an
        // operator mistake in the config must end as exit 1 with one line, never an unhandled-exception dump.
        File.WriteAllText(bad, "actormta { listeners { smtp { port = 1 }, pop3 { port = 2 } } }\n");
        try
        {
            AssertFailure(Server.RunCli("domain", "list", "--config", bad), 1);
            AssertFailure(Server.RunCli("domain", "list", "--config", bad + ".missing"), 1);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    private static void AssertFailure(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {result}");
    }

    private async Task<int> RcptCodeAsync(string address)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
        var code = (await smtp.CommandAsync($"RCPT TO:<{address}>")).Code;
        await smtp.QuitAsync();
        return code;
    }

    private async Task<bool> CanLoginAsync(string address, string password)
    {
        await using var pop = await Pop3Conversation.OpenAsync(Server.Ports.Pop3);
        await pop.StlsAsync();
        Pop3Conversation.Expect(await pop.CommandAsync($"USER {address}"));
        var ok = (await pop.CommandAsync($"PASS {password}")).StartsWith("+OK", StringComparison.Ordinal);
        try { await pop.QuitAsync(); }
        catch (IOException) { } // a server may hang up after a failed PASS
        return ok;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > NoticeWithin) Assert.Fail($"gave up waiting {NoticeWithin} for {what}");
            await Task.Delay(100);
        }
    }
}
