using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Npgsql;
using Xunit;

namespace ActorMTA.Integration.Tests.Cluster;

/// <summary>
/// A node with actormta.storage.backend = postgresql against a real PostgreSQL: journal, snapshots and message
/// content in the database, acknowledged mail kept through SIGKILL, released content deleted from it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresBackendTests : IAsyncLifetime
{
    private static readonly TestUser User = TestUser.Local("pg-user");
    private PostgresServer? _postgres;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _database = await _postgres.CreateDatabaseAsync("actormta");
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private long Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private static byte[] Message(int n) => Encoding.ASCII.GetBytes(
        $"From: a@example.org\r\nTo: {User.Address}\r\nSubject: pg {n}\r\nMessage-ID: <pg{n}@example.org>\r\n\r\n{new string((char)('a' + n % 26), 3000)}\r\n");

    [Fact]
    public async Task Mail_accepted_on_postgresql_survives_sigkill_and_deleted_mail_leaves_the_database()
    {
        await using var server = await ServerProcess.StartAsync($"""
            actormta.storage.backend = postgresql
            actormta.storage.postgresql.connection-string = {JsonSerializer.Serialize(_database)}
            """, [User]);
        const int count = 20;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp))
        {
            for (var i = 0; i < count; i++) SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [User.Address], Message(i)), 250);
        }

        // Every acknowledged body is in PostgreSQL (one row each), and so are the journal's events.
        Assert.Equal(count, Scalar("SELECT count(*) FROM actormta_content"));
        Assert.True(Scalar("SELECT count(*) FROM journal") >= count);
        // One session's messages were written one after another over the same spare temp file; nothing else is left.
        Assert.True(Directory.GetFiles(Path.Combine(server.DataDirectory, "spool", "tmp")).Length <= 1);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "journal.db")));
        // The CLI wrote the domain and the user into PostgreSQL too.
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "accounts.db")));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM users WHERE address = '{User.Address}'"));

        server.Kill();
        await server.RestartAsync();

        try
        {
            await RetrieveAndDeleteAsync(server, count);
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nserver output (last 6000 chars):\n{server.Output[^Math.Min(6000, server.Output.Length)..]}");
        }
        await AssertEmptiedAsync();
    }

    private async Task RetrieveAndDeleteAsync(ServerProcess server, int count)
    {
        await using (var pop3 = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, User))
        {
            Assert.Equal(count, (await pop3.StatAsync()).Count);
            for (var i = 1; i <= count; i++)
            {
                var text = Encoding.ASCII.GetString(await pop3.RetrAsync(i));
                Assert.Contains(Encoding.ASCII.GetString(Message(i - 1)).Split("\r\n\r\n")[1], text);
            }
            for (var i = 1; i <= count; i++) Pop3Conversation.Expect(await pop3.CommandAsync($"DELE {i}"));
            Pop3Conversation.Expect(await pop3.QuitAsync());
        }
    }

    private async Task AssertEmptiedAsync()
    {
        // The released references took their bodies with them.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Scalar("SELECT count(*) FROM actormta_content") > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(0, Scalar("SELECT count(*) FROM actormta_content"));
        Assert.Equal(0, Scalar("SELECT count(*) FROM actormta_content_ref"));
    }

    [Fact]
    public async Task A_user_added_with_the_cli_while_the_node_runs_can_receive_mail_at_once()
    {
        await using var server = await ServerProcess.StartAsync($"""
            actormta.storage.backend = postgresql
            actormta.storage.postgresql.connection-string = {JsonSerializer.Serialize(_database)}
            actormta.accounts.refresh-interval = 1h
            """, [User]);
        var late = TestUser.Local("pg-late");
        var added = server.RunCli("user", "add", late.Address, "--password", late.Password);
        Assert.True(added.ExitCode == 0, added.ToString());
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [late.Address], Message(99)), 250);
        await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, late);
        Assert.Equal(1, (await pop3.StatAsync()).Count);
    }

    [Fact]
    public async Task A_database_error_during_retr_answers_a_temporary_error_and_the_session_goes_on()
    {
        await using var server = await ServerProcess.StartAsync($"""
            actormta.storage.backend = postgresql
            actormta.storage.postgresql.connection-string = {JsonSerializer.Serialize(_database)}
            """, [User]);
        await using (var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp))
            SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [User.Address], Message(7)), 250);
        await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, User);
        Assert.Equal(1, (await pop3.StatAsync()).Count);

        // The content table out of reach: every read of a body fails in PostgreSQL, as in an outage.
        Scalar("ALTER TABLE actormta_content RENAME TO actormta_content_away; SELECT 0");
        try
        {
            Assert.StartsWith("-ERR [SYS/TEMP]", await pop3.CommandAsync("RETR 1"));
            Assert.StartsWith("+OK", await pop3.CommandAsync("NOOP"));
        }
        finally
        {
            Scalar("ALTER TABLE actormta_content_away RENAME TO actormta_content; SELECT 0");
        }
        Assert.Contains(new string('h', 3000), Encoding.ASCII.GetString(await pop3.RetrAsync(1)));
        Assert.Contains("message content unreadable during RETR", server.Output);
    }

    [Fact]
    public async Task A_postgresql_backend_without_a_connection_string_refuses_to_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ServerProcess.StartAsync("actormta.storage.backend = postgresql"));
        Assert.Contains("connection-string", error.Message + error.InnerException?.Message);
    }
}
