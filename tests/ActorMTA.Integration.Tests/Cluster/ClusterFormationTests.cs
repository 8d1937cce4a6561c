using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Integration.Tests.Cluster;

/// <summary>
/// Nodes on one PostgreSQL forming a cluster from akka.cluster.seed-nodes and the remoting port the operator gave:
/// a second node joins the first, SIGTERM leaves gracefully (exit 0), and a node the split brain resolver downs exits
/// with code 3 instead of living on with open listeners. An embedded node refuses seed nodes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClusterFormationTests : IAsyncLifetime
{
    /// <summary>ServerNode.RemovedExitCode: what a node the cluster downed exits with.</summary>
    private const int RemovedExitCode = 3;

    private PostgresServer? _postgres;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _database = await _postgres.CreateDatabaseAsync("cluster");
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private static int FreePort() => ClusterNodeConfig.FreePort();

    private string NodeConfig(int remotingPort, int seedPort) => ClusterNodeConfig.For(_database, remotingPort, seedPort, "akka.cluster.split-brain-resolver.stable-after = 2s");

    /// <summary>Addresses of the members `ctl cluster show --json` lists as Up on <paramref name="node"/>.</summary>
    private static List<string> UpMembers(ServerProcess node)
    {
        var result = node.RunCli("ctl", "cluster", "show", "--json");
        if (result.ExitCode != 0) return [];
        using var json = JsonDocument.Parse(result.Stdout);
        var members = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("members");
        return members.EnumerateArray().Where(m => m.GetProperty("status").GetString() == "Up").Select(m => m.GetProperty("address").GetString()!).ToList();
    }

    private static async Task<List<string>> WaitForUpMembersAsync(ServerProcess node, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var up = UpMembers(node);
            if (up.Count == count || DateTime.UtcNow > deadline) return up;
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task A_second_node_joins_the_seed_leaves_on_sigterm_and_exits_3_when_downed()
    {
        var portA = FreePort();
        var portB = FreePort();
        await using var a = await ServerProcess.StartAsync(NodeConfig(portA, portA));
        await using var b = await ServerProcess.StartAsync(NodeConfig(portB, portA), sharedAccounts: true);

        var up = await WaitForUpMembersAsync(a, 2);
        Assert.Equal(new[] { $"akka.tcp://actormta@127.0.0.1:{portA}", $"akka.tcp://actormta@127.0.0.1:{portB}" }.Order(), up.Order());
        // The operator's remoting port is the one used (not a runtime default).
        Assert.Contains($"127.0.0.1:{portB}", b.Output);

        // SIGTERM: B leaves gracefully and exits 0; A sees one member.
        Assert.Equal(0, await b.StopAsync());
        Assert.Single(await WaitForUpMembersAsync(a, 1));

        // B again; then the node with the lower address dies. Of two equal halves keep-majority keeps the one with
        // the lowest address — the dead one — so the survivor is downed and must exit 3, not live on.
        await b.RestartAsync();
        Assert.Equal(2, (await WaitForUpMembersAsync(a, 2)).Count);
        var (victim, survivor) = portA < portB ? (a, b) : (b, a);
        victim.Kill();
        var code = await survivor.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(code == RemovedExitCode, $"the downed node exited {code}\n{survivor.Output[^Math.Min(4000, survivor.Output.Length)..]}");
    }

    [Fact]
    public async Task An_embedded_node_refuses_seed_nodes()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ServerProcess.StartAsync(
            $"akka.cluster.seed-nodes = [\"akka.tcp://actormta@127.0.0.1:{FreePort()}\"]"));
        Assert.Contains("postgresql", error.Message + error.InnerException?.Message);
    }
}
