using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Integration.Tests.Cluster;

/// <summary>
/// Two nodes on one PostgreSQL: mail accepted on one node is read on the other, whichever node sharding placed each
/// mailbox on (20 mailboxes spread over both).
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrossNodeTests : IAsyncLifetime
{
    private static readonly TestUser[] Users = Enumerable.Range(1, 20).Select(i => TestUser.Local("x" + i)).ToArray();
    private PostgresServer? _postgres;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _database = await _postgres.CreateDatabaseAsync("crossnode");
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private static int FreePort() => ClusterNodeConfig.FreePort();

    private string NodeConfig(int remotingPort, int seedPort) => ClusterNodeConfig.For(_database, remotingPort, seedPort);

    [Fact]
    public async Task Mail_accepted_on_one_node_is_read_byte_exact_on_the_other()
    {
        var portA = FreePort();
        var portB = FreePort();
        await using var a = await ServerProcess.StartAsync(NodeConfig(portA, portA), Users);
        await using var b = await ServerProcess.StartAsync(NodeConfig(portB, portA), sharedAccounts: true);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!a.RunCli("ctl", "cluster", "show").Stdout.Contains($":{portB}") && DateTime.UtcNow < deadline) await Task.Delay(500);

        var bodies = new Dictionary<string, string>();
        await using (var smtp = await SmtpConversation.OpenReadyAsync(b.Ports.Smtp))
        {
            foreach (var user in Users)
            {
                var body = $"for {user.Address} {Guid.NewGuid():N}";
                bodies[user.Address] = body;
                var message = Encoding.ASCII.GetBytes($"From: a@example.org\r\nTo: {user.Address}\r\nSubject: cross\r\n\r\n{body}\r\n");
                SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [user.Address], message), 250);
            }
        }
        try
        {
            foreach (var user in Users)
            {
                await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(a.Ports.Pop3, user);
                Assert.Equal(1, (await pop3.StatAsync()).Count);
                Assert.Contains(bodies[user.Address], Encoding.ASCII.GetString(await pop3.RetrAsync(1)));
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nnode A (last 8000 chars):\n{a.Output[^Math.Min(8000, a.Output.Length)..]}");
        }
        // Sharding spread the mailboxes over both nodes (else this test proves nothing about crossing).
        using var stats = JsonDocument.Parse(a.RunCli("ctl", "shards", "stats", "--json").Stdout);
        var mailboxes = stats.RootElement.GetProperty("mailbox").EnumerateObject()
            .ToDictionary(n => n.Name, n => n.Value.GetProperty("entities").GetInt32());
        Assert.True(mailboxes.Count == 2 && mailboxes.Values.All(e => e > 0), string.Join(", ", mailboxes));
    }
}
