using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// One server for the recipient-routing tests: a second local domain, and a refresh interval far longer than any
/// test, so every account change must be in effect because the CLI told the server, not because a timer fired.
/// </summary>
public sealed class AccountRoutingFixture : IAsyncLifetime
{
    public const string OtherDomain = "otherlocal.test";
    public static readonly TestUser Alice = TestUser.Local("alice");
    public static readonly TestUser Bob = TestUser.Local("bob");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync("actormta.accounts.refresh-interval = 10m", [Alice, Bob]);
        var added = _server.RunCli("domain", "add", OtherDomain);
        if (added.ExitCode != 0) throw new InvalidOperationException(added.ToString());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public sealed class AccountRoutingTests(AccountRoutingFixture fixture) : IClassFixture<AccountRoutingFixture>
{
    private ServerProcess Server => fixture.Server;

    private static byte[] Message(string subject) => Encoding.ASCII.GetBytes($"From: a@remote.example\r\nSubject: {subject}\r\n\r\nbody\r\n");

    [Theory]
    [InlineData("Postmaster")]
    [InlineData("POSTMASTER")]
    [InlineData("postmaster")]
    public async Task Domainless_postmaster_is_accepted_in_any_case(string postmaster)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<someone@remote.example>")).Code);
        var rcpt = await smtp.CommandAsync($"RCPT TO:<{postmaster}>");
        Assert.True(rcpt.Code == 250, rcpt.ToString());
    }

    [Fact]
    public async Task Mail_for_postmaster_of_every_local_domain_is_kept_for_the_primary_postmaster()
    {
        var before = await InboxCountAsync("postmaster@" + ServerProcess.Domain);
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "someone@remote.example", "Postmaster", Message("bare"));
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "someone@remote.example", "postmaster@" + AccountRoutingFixture.OtherDomain, Message("other"));
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "someone@remote.example", "abuse@" + AccountRoutingFixture.OtherDomain, Message("abuse"));
        // The primary domain is derived from hostname mail.local.test: local.test.
        Assert.Equal(before + 3, await InboxCountAsync("postmaster@" + ServerProcess.Domain));
        Assert.Equal(before + 3, await InboxCountAsync("Postmaster"));
    }

    [Fact]
    public async Task An_alias_delivers_to_both_users()
    {
        var alias = "team@" + ServerProcess.Domain;
        var added = Server.RunCli("alias", "add", alias, $"{AccountRoutingFixture.Alice.Address},{AccountRoutingFixture.Bob.Address}");
        Assert.True(added.ExitCode == 0, added.ToString());
        try
        {
            var aliceBefore = await Pop3CountAsync(AccountRoutingFixture.Alice);
            var bobBefore = await Pop3CountAsync(AccountRoutingFixture.Bob);
            await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "someone@remote.example", "Team@LOCAL.test", Message("to the team"));
            Assert.Equal(aliceBefore + 1, await Pop3CountAsync(AccountRoutingFixture.Alice));
            Assert.Equal(bobBefore + 1, await Pop3CountAsync(AccountRoutingFixture.Bob));
        }
        finally
        {
            Server.RunCli("alias", "del", alias);
        }
    }

    [Fact]
    public async Task An_alias_to_a_remote_address_is_forwarded_through_the_domain_queue()
    {
        var alias = "fwd@" + ServerProcess.Domain;
        Assert.Equal(0, Server.RunCli("alias", "add", alias, "Someone@forward.example").ExitCode);
        // Held, so the test sees it queued (forward.example does not resolve: delivery would bounce it at once).
        Assert.Equal(0, Server.RunCli("ctl", "queue", "suspend", "forward.example").ExitCode);
        // No AUTH, no relay network: the alias is local, so it is not relaying.
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "sender@remote.example", alias, Message("forward me"));
        var queue = Server.RunCli("ctl", "queue", "show", "forward.example", "--json");
        Assert.True(queue.ExitCode == 0, queue.ToString());
        var messages = JsonDocument.Parse(queue.Stdout).RootElement.GetProperty("messages");
        Assert.Contains(messages.EnumerateArray(), m => m.GetProperty("recipients").EnumerateArray().Any(r => r.GetString() == "Someone@forward.example"));
    }

    [Fact]
    public void Alias_cli_adds_lists_and_deletes_with_the_user_command_conventions()
    {
        var alias = "list-test@" + AccountRoutingFixture.OtherDomain;
        var added = Server.RunCli("alias", "add", alias, AccountRoutingFixture.Alice.Address, "x@remote.example");
        Assert.True(added.ExitCode == 0, added.ToString());

        var list = Server.RunCli("alias", "list", "--json");
        Assert.Equal(0, list.ExitCode);
        var entry = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Single(a => a.GetProperty("address").GetString() == alias);
        Assert.Equal(AccountRoutingFixture.OtherDomain, entry.GetProperty("domain").GetString());
        Assert.Equal([AccountRoutingFixture.Alice.Address, "x@remote.example"], entry.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(alias, Server.RunCli("alias", "list").Stdout);

        AssertFailure(Server.RunCli("alias", "add", alias, AccountRoutingFixture.Bob.Address), 1, "already exists");
        AssertFailure(Server.RunCli("alias", "add", "x@" + ServerProcess.Domain, "nobody@" + ServerProcess.Domain), 1, "unknown local user");
        AssertFailure(Server.RunCli("user", "del", AccountRoutingFixture.Alice.Address), 1, "target of alias");
        AssertFailure(Server.RunCli("alias", "add", "y@" + ServerProcess.Domain), 2, "missing");
        AssertFailure(Server.RunCli("alias", "frob"), 2, "unknown alias subcommand");

        Assert.Equal(0, Server.RunCli("alias", "del", alias).ExitCode);
        AssertFailure(Server.RunCli("alias", "del", alias), 1, "unknown alias");
    }

    [Fact]
    public async Task A_removed_alias_is_refused_at_once()
    {
        var alias = "gone@" + ServerProcess.Domain;
        Assert.Equal(0, Server.RunCli("alias", "add", alias, AccountRoutingFixture.Bob.Address).ExitCode);
        Assert.Equal(250, await RcptCodeAsync(alias));
        Assert.Equal(0, Server.RunCli("alias", "del", alias).ExitCode);
        Assert.Equal(550, await RcptCodeAsync(alias));
    }

    [Fact]
    public async Task A_new_user_receives_mail_as_soon_as_user_add_returns()
    {
        for (var i = 0; i < 20; i++)
        {
            var address = $"fresh{i}-{Guid.NewGuid():N}"[..20] + "@" + ServerProcess.Domain;
            var added = Server.RunCli("user", "add", address, "--password", "pw-fresh");
            Assert.True(added.ExitCode == 0, added.ToString());
            await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
            Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<someone@remote.example>")).Code);
            var rcpt = await smtp.CommandAsync($"RCPT TO:<{address}>");
            Assert.True(rcpt.Code == 250, $"attempt {i}: {rcpt}");
            Assert.Equal(354, (await smtp.CommandAsync("DATA")).Code);
            await smtp.Connection.WriteAsync(SmtpConversation.DotStuffed(Message("welcome")));
            Assert.Equal(250, (await smtp.ReadReplyAsync()).Code);
        }
    }

    private async Task<int> RcptCodeAsync(string address)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<someone@remote.example>")).Code);
        return (await smtp.CommandAsync($"RCPT TO:<{address}>")).Code;
    }

    private Task<int> InboxCountAsync(string address)
    {
        var stats = Server.RunCli("ctl", "mailbox", "stats", address, "--json");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        var inbox = JsonDocument.Parse(stats.Stdout).RootElement.GetProperty("folders").EnumerateArray()
            .FirstOrDefault(f => f.GetProperty("folder").GetString() == "INBOX");
        return Task.FromResult(inbox.ValueKind == JsonValueKind.Undefined ? 0 : inbox.GetProperty("messages").GetInt32());
    }

    private async Task<int> Pop3CountAsync(TestUser user)
    {
        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        var (count, _) = await pop.StatAsync();
        await pop.QuitAsync();
        return count;
    }

    private static void AssertFailure(CliResult result, int exitCode, string text)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {result}");
        Assert.Contains(text, lines[0]);
    }
}
