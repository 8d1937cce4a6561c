using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Cluster;

/// <summary>
/// Three nodes on one PostgreSQL, every session on a node that does not host the entity it uses: IMAP IDLE on A sees
/// mail accepted on B; POP3 on C reads it byte-exact; COPY on A lands in a mailbox hosted elsewhere; a bounce from a
/// domain queue on one node reaches a local sender whose mailbox is on another.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ThreeNodeClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TestUser[] Users = Enumerable.Range(1, 12).Select(i => TestUser.Local("tri" + i)).ToArray();
    private PostgresServer? _postgres;
    private ScriptedSmtpReceiver? _receiver;
    private readonly List<ServerProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var database = await _postgres.CreateDatabaseAsync("threenode");
        _receiver = ScriptedSmtpReceiver.Start("127.0.0.2");
        var seed = ClusterNodeConfig.FreePort();
        var extra = $$"""
            actormta.imap.auth-requires-tls = off
            actormta.smtp.relay-networks = ["127.0.0.0/8"]
            actormta.delivery.routes { "*" = "127.0.0.2:{{_receiver.Port}}" }
            actormta.delivery.retry-schedule = [1s]
            """;
        _nodes.Add(await ServerProcess.StartAsync(ClusterNodeConfig.For(database, seed, seed, extra), Users));
        for (var i = 0; i < 2; i++)
        {
            var port = ClusterNodeConfig.FreePort();
            _nodes.Add(await ServerProcess.StartAsync(ClusterNodeConfig.For(database, port, seed, extra), sharedAccounts: true));
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (UpMembers() < 3 && DateTime.UtcNow < deadline) await Task.Delay(500);
        Assert.Equal(3, UpMembers());
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        _receiver?.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private int UpMembers()
    {
        var result = _nodes[0].RunCli("ctl", "cluster", "show", "--json");
        if (result.ExitCode != 0) return 0;
        using var members = JsonDocument.Parse(result.Stdout);
        return members.RootElement.EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up");
    }

    /// <summary>The remoting port of the node hosting an entity (from `ctl shards locate`), or null when none does yet.</summary>
    private string? HostOf(string region, string id)
    {
        using var located = JsonDocument.Parse(_nodes[0].RunCli("ctl", "shards", "locate", region, id, "--json").Stdout);
        return located.RootElement.GetProperty("node").GetString();
    }

    private string NodeAddress(ServerProcess node)
    {
        using var members = JsonDocument.Parse(node.RunCli("ctl", "cluster", "show", "--json").Stdout);
        return members.RootElement.EnumerateArray().Single(m => m.GetProperty("self").GetBoolean()).GetProperty("address").GetString()!;
    }

    private static byte[] Message(string to, string token) =>
        Encoding.ASCII.GetBytes($"From: a@example.org\r\nTo: {to}\r\nSubject: {token}\r\nMessage-ID: <{token}@example.org>\r\n\r\nbody {token}\r\n");

    private async Task SendAsync(ServerProcess via, string from, string to, byte[] message)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(via.Ports.Smtp);
        SmtpConversation.Expect(await smtp.SendMessageAsync(from, [to], message), 250);
    }

    [Fact]
    public async Task Sessions_on_any_node_reach_mailboxes_and_queues_on_the_others()
    {
        // Every mailbox gets one message over node 1 so its entity runs somewhere; then pick one hosted on neither A (node 1)
        // nor the SMTP node B (node 2), so that IDLE, SMTP and POP3 all cross nodes.
        foreach (var user in Users) await SendAsync(_nodes[0], "a@example.org", user.Address, Message(user.Address, "warm-" + Guid.NewGuid().ToString("N")));
        var addresses = _nodes.Select(NodeAddress).ToArray();
        var hosts = Users.ToDictionary(u => u, u => HostOf("mailbox", u.Address));
        output.WriteLine(string.Join("\n", hosts.Select(h => $"{h.Key.Address} -> {h.Value}")));
        var target = Users.First(u => hosts[u] == addresses[2]);

        // IDLE on A sees a message accepted on B within a second.
        await using var imap = await RawImapSession.LoginAsync(_nodes[0].Ports.Imap, target);
        var select = await imap.CommandAsync("SELECT INBOX");
        Assert.Contains("* 1 EXISTS", select);
        var idleTag = imap.NextTag();
        await imap.Connection.WriteLineAsync(idleTag + " IDLE");
        Assert.StartsWith("+", await imap.Connection.ReadLineAsync());
        var token = "idle-" + Guid.NewGuid().ToString("N");
        var sent = Message(target.Address, token);
        await SendAsync(_nodes[1], "a@example.org", target.Address, sent);
        var acknowledged = Stopwatch.StartNew();
        Assert.Equal("* 2 EXISTS", await imap.Connection.ReadLineAsync());
        output.WriteLine($"IDLE on A saw the message accepted on B {acknowledged.ElapsedMilliseconds} ms after its 250");
        Assert.True(acknowledged.Elapsed < TimeSpan.FromSeconds(1), $"EXISTS came {acknowledged.ElapsedMilliseconds} ms after the 250");
        await imap.Connection.WriteLineAsync("DONE");
        Assert.StartsWith(idleTag + " OK", (await imap.ReadUntilTaggedAsync(idleTag))[^1]);

        // POP3 on C reads it byte-exact (after the Return-Path line the final delivery adds, and the trace header).
        await using (var pop3 = await Pop3Conversation.OpenLoggedInAsync(_nodes[2].Ports.Pop3, target))
        {
            Assert.Equal(2, (await pop3.StatAsync()).Count);
            var stored = await pop3.RetrAsync(2);
            Assert.True(stored.AsSpan().EndsWith(sent), "the message read on C does not end with the bytes sent on B");
        }

        // COPY from a session on A; the mailbox entity that copies lives on C.
        var copy = await imap.CommandAsync("CREATE Kept");
        Assert.StartsWith(copy[^1].Split(' ')[0] + " OK", copy[^1]);
        var copied = await imap.CommandAsync("UID COPY 1:* Kept");
        Assert.Contains(" OK [COPYUID ", copied[^1]);
        var kept = await imap.CommandAsync("STATUS Kept (MESSAGES)");
        Assert.Contains("* STATUS Kept (MESSAGES 2)", kept);
        var fetched = await imap.CommandAsync("SELECT Kept");
        Assert.Contains("* 2 EXISTS", fetched);
        await imap.CommandAsync("UID FETCH 2 BODY.PEEK[]");
        Assert.EndsWith(Encoding.ASCII.GetString(sent), Encoding.ASCII.GetString(imap.Literals[^1]));

        // A bounce from a domain queue on one node reaches the local sender's mailbox on another: 6 failing domains,
        // so that at least one queue is hosted away from the sender's mailbox (asserted below).
        var sender = Users.First(u => hosts[u] != addresses[2]);
        var domains = Enumerable.Range(1, 6).Select(i => $"d{i}.bounce.test").ToArray();
        foreach (var domain in domains) _receiver!.RejectRecipient("nobody@" + domain, 550, "5.1.1 No such user here");
        foreach (var domain in domains) await SendAsync(_nodes[2], sender.Address, "nobody@" + domain, Message("nobody@" + domain, "bounce-" + domain));
        var queueHosts = domains.Select(d => HostOf("domain-queue", d)).ToList();
        output.WriteLine("queues: " + string.Join(", ", queueHosts) + "; sender's mailbox: " + hosts[sender]);
        Assert.Contains(queueHosts, h => h is not null && h != hosts[sender]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int count;
        do
        {
            await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(_nodes[1].Ports.Pop3, sender);
            count = (await pop3.StatAsync()).Count;
            if (count >= 1 + domains.Length) break;
            await Task.Delay(500);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(1 + domains.Length, count);
    }
}
