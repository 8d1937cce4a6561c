using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// Mail stored into local mailboxes has its Reception and Delivery events, derived from the mailbox's journal: their
/// fields over SMTP (an alias names the mailbox it led to), and a SIGKILL right after a batch of acknowledged messages
/// that loses none of their events and writes none twice under one id.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LocalDeliveryEventTests(ITestOutputHelper output)
{
    private static readonly TestUser Alice = TestUser.Local("lev-alice");
    private static readonly TestUser Bob = TestUser.Local("lev-bob");
    private static readonly TestUser[] Crash = Enumerable.Range(0, 4).Select(i => TestUser.Local($"lev-crash{i}")).ToArray();
    private static readonly IPAddress Client = IPAddress.Parse("127.0.63.11");

    private static byte[] Message(string token, string to) => Encoding.ASCII.GetBytes(
        $"From: s@sender.test\r\nTo: <{to}>\r\nSubject: {token}\r\nMessage-ID: <{token}@it.test>\r\n\r\nbody of {token}\r\n");

    [Fact]
    public async Task A_message_to_local_mailboxes_has_a_Reception_and_a_Delivery_per_recipient_with_its_fields()
    {
        await using var server = await ServerProcess.StartAsync("", [Alice, Bob]);
        var alias = $"lev-team@{ServerProcess.Domain}";
        var added = server.RunCli("alias", "add", alias, Alice.Address);
        Assert.True(added.ExitCode == 0, added.ToString());
        var token = "lev-" + Guid.NewGuid().ToString("N");
        await using (var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp, localAddress: Client))
        {
            var reply = await smtp.SendMessageAsync("s@sender.test", [Alice.Address, alias, Bob.Address], Message(token, Alice.Address));
            Assert.Equal(250, reply.Code);
        }

        var events = await WaitForEventsAsync(server, all => all.Count(e => Str(e, "message_id") == $"<{token}@it.test>") >= 6, TimeSpan.FromSeconds(30));
        var mine = events.Where(e => Str(e, "message_id") == $"<{token}@it.test>").ToList();
        Assert.Equal(6, mine.Select(e => Str(e, "id")).Distinct().Count());
        foreach (var (recipient, mailbox) in new[] { (Alice.Address, ""), (alias, Alice.Address), (Bob.Address, "") })
        {
            var reception = Assert.Single(mine, e => Str(e, "type") == "Reception" && Str(e, "recipient") == recipient);
            var delivery = Assert.Single(mine, e => Str(e, "type") == "Delivery" && Str(e, "recipient") == recipient);
            Assert.Equal(("smtp", Client.ToString()), (Str(reception, "protocol"), Str(reception, "client_ip")));
            foreach (var e in new[] { reception, delivery })
            {
                Assert.Equal(("s@sender.test", mailbox), (Str(e, "sender"), Str(e, "mailbox")));
                Assert.NotEqual("", Str(e, "queue_id"));
                Assert.NotEqual("", Str(e, "node"));
                Assert.True(e["size"]!.GetValue<long>() > 0);
                Assert.Null(e["mx_host"]);
                Assert.StartsWith("mailbox|", Str(e, "id"));
            }
        }
        Assert.Single(mine.Select(e => Str(e, "queue_id")).Distinct());
    }

    [Fact]
    public async Task A_sigkill_right_after_acknowledged_messages_loses_none_of_their_events()
    {
        const int messages = 200;
        // The log holds every event back (commit-delay): when the server dies, none of them is written yet, and all
        // of them can only come from the mailboxes' journals.
        await using var server = await ServerProcess.StartAsync("actormta.events.commit-delay = 1h", Crash);
        var tokens = Enumerable.Range(0, messages).Select(i => $"lev-kill-{i:D4}-{Guid.NewGuid():N}").ToArray();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async s =>
        {
            await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp, localAddress: Client);
            for (var i = s; i < messages; i += 4)
            {
                var to = Crash[i % Crash.Length].Address;
                if ((await smtp.SendMessageAsync("s@sender.test", [to], Message(tokens[i], to))).Code == 250) acknowledged.Add(tokens[i]);
            }
        }));
        var before = server.RunCli("events", "query", "--since", "1h", "--json");
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.DoesNotContain("lev-kill-", before.Stdout);
        server.Kill();
        Assert.Equal(messages, acknowledged.Count);

        File.AppendAllText(server.ConfigFile, "\nactormta.events.commit-delay = 0s\n");
        await server.RestartAsync();
        // Nothing wakes the mailboxes here: running when the server died, they are remembered entities and start
        // again by themselves, sending what the log had not confirmed.
        var wanted = acknowledged.Select(t => $"<{t}@it.test>").ToHashSet();
        var events = await WaitForEventsAsync(server, all =>
        {
            var delivered = all.Where(e => Str(e, "type") == "Delivery").Select(e => Str(e, "message_id")).ToHashSet();
            return wanted.All(delivered.Contains);
        }, TimeSpan.FromSeconds(60));

        var unique = events.GroupBy(e => Str(e, "id")).Select(g => g.First()).ToList();
        output.WriteLine($"{events.Count} event lines, {unique.Count} unique ids ({events.Count - unique.Count} written twice)");
        foreach (var type in new[] { "Reception", "Delivery" })
        {
            var byMessage = unique.Where(e => Str(e, "type") == type).GroupBy(e => Str(e, "message_id")).ToDictionary(g => g.Key, g => g.Count());
            var missing = wanted.Where(m => !byMessage.ContainsKey(m)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} messages have no {type} event, e.g. {string.Join(", ", missing.Take(3))}");
            Assert.All(wanted, m => Assert.Equal(1, byMessage[m]));
        }
        // An event written twice (re-derived after the kill) is the same event.
        foreach (var group in events.GroupBy(e => Str(e, "id")).Where(g => g.Count() > 1))
            Assert.Single(group.Select(e => (Str(e, "type"), Str(e, "recipient"), Str(e, "message_id"))).Distinct());
    }

    private static async Task<List<JsonObject>> WaitForEventsAsync(ServerProcess server, Func<List<JsonObject>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = server.RunCli("events", "query", "--since", "1h", "--json");
            Assert.True(result.ExitCode == 0, result.ToString());
            var events = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            if (done(events)) return events;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"events not complete within {timeout}; {events.Count} so far:\n{string.Join('\n', events.Take(40).Select(e => e.ToJsonString()))}");
            await Task.Delay(500);
        }
    }

    private static string Str(JsonObject e, string field) => e[field]?.GetValue<string>() ?? "";
}
