using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.Integration.Tests.Http;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// actormta.egress over real sockets: outbound connections bind to the sources of a message's pool (127.0.0.21 and
/// 127.0.0.22 here) and greet with their EHLO names; the receiver sees which address each connection came from.
/// A pool comes from a sender-pools rule, an X-ActorMTA-Pool field (which never leaves the server) or the HTTP API's
/// pool field.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EgressPoolTests(ITestOutputHelper output)
{
    private const string SourceA = "127.0.0.21";
    private const string SourceB = "127.0.0.22";
    private static readonly TestUser Sender = TestUser.Local("pool-sender");

    private static string Egress(string senderPools = "") => $$"""
        actormta.shaping.default { message-rate = unlimited, connection-rate = unlimited, connection-limit = 8, messages-per-connection = 50 }
        actormta.egress {
          sources {
            a { bind = "{{SourceA}}", ehlo = "mta-a.pools.test" }
            b { bind = "{{SourceB}}", ehlo = "mta-b.pools.test" }
          }
          pools {
            bulk { a = 3, b = 1 }
            solo { b = 1 }
          }
          sender-pools { {{senderPools}} }
        }
        """;

    [Fact]
    public async Task A_weighted_pool_sends_2000_messages_three_to_one_from_its_two_addresses()
    {
        const string mx = "127.0.0.23";
        var senderDomain = Sender.Address.Split('@')[1];
        var domains = Enumerable.Range(0, 4).Select(i => new RemoteDomain($"w{i}.pools.test", mx, MxName: "mx.pools-site.test")).ToList();
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender], overrides: Egress($"\"{senderDomain}\" = bulk"));
        var receiver = bed.Receiver(mx);

        const int count = 2000;
        var messages = Enumerable.Range(0, count)
            .Select(i => ($"user@w{i % 4}.pools.test", DeliveryTestBed.Message(Sender.Address, $"user@w{i % 4}.pools.test", $"pool-{i:D4}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 10);
        var received = await receiver.WaitForMessagesAsync(count, TimeSpan.FromSeconds(120));

        var bySource = received.GroupBy(m => m.Client.Address.ToString()).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", bySource.Select(p => $"{p.Key}: {p.Value}")) + $"; {receiver.TotalConnections} connections");
        Assert.Equal([SourceA, SourceB], bySource.Keys.Order());
        // Weights 3:1 over 2,000 messages: 1,500 and 500, each within 10 %.
        Assert.InRange(bySource[SourceA], 1350, 1650);
        Assert.InRange(bySource[SourceB], 450, 550);

        // Every connection greeted with its source's name.
        var sourceOfConnection = received.GroupBy(m => m.ConnectionId).ToDictionary(g => g.Key, g => g.First().Client.Address.ToString());
        var greetings = receiver.Commands.Where(c => c.Line.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase) && sourceOfConnection.ContainsKey(c.ConnectionId)).ToList();
        Assert.NotEmpty(greetings);
        foreach (var greeting in greetings)
            Assert.Equal(sourceOfConnection[greeting.ConnectionId] == SourceA ? "EHLO mta-a.pools.test" : "EHLO mta-b.pools.test", greeting.Line);
    }

    [Fact]
    public async Task A_pool_header_or_api_field_picks_the_sources_and_the_header_is_never_sent()
    {
        const string mx = "127.0.0.24";
        var port = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("named.pools.test", mx)], [Sender],
            overrides: Egress() + $$"""

                actormta.http { enabled = on, port = {{port}}, tokens = ["pool-token"] }
                """);
        var receiver = bed.Receiver(mx);
        // Held first, so that `ctl queue show` shows each message's pool; then sent.
        bed.Ctl("queue", "suspend", "named.pools.test");

        // The header names a pool: its one source sends. Folded, in another case, as clients may write it.
        await bed.SubmitAsync(Sender, ["by-header@named.pools.test"], WithField("x-actormta-pool:\r\n Solo", "by-header"));
        // An unknown pool: the default pool, whose source is the operating system's choice (127.0.0.1 here).
        await bed.SubmitAsync(Sender, ["unknown@named.pools.test"], WithField("X-ActorMTA-Pool: nosuch", "unknown"));
        // The API's field wins over the message's header.
        var body = new JsonObject
        {
            ["envelope_sender"] = Sender.Address,
            ["pool"] = "solo",
            ["content"] = Encoding.UTF8.GetString(WithField("X-ActorMTA-Pool: bulk", "by-api")),
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "by-api@named.pools.test" }),
        };
        Assert.Equal(1, (await InjectApi.InjectAsync(port, "pool-token", body)).SuccessCount);

        var queued = await bed.WaitForQueueAsync("named.pools.test", m => m.Count == 3, TimeSpan.FromSeconds(20), "3 messages queued");
        var pools = queued.ToDictionary(m => m["recipients"]![0]!.GetValue<string>().Split('@')[0], m => m["pool"]!.GetValue<string>());
        Assert.Equal(("solo", "default", "solo"), (pools["by-header"], pools["unknown"], pools["by-api"]));
        bed.Ctl("queue", "resume", "named.pools.test");

        var received = await receiver.WaitForMessagesAsync(3, TimeSpan.FromSeconds(30));
        var from = received.ToDictionary(m => m.Recipients.Single().Split('@')[0], m => m.Client.Address.ToString());
        output.WriteLine(string.Join(", ", from.Select(p => $"{p.Key} from {p.Value}")));
        Assert.Equal(SourceB, from["by-header"]);
        Assert.Equal("127.0.0.1", from["unknown"]);
        Assert.Equal(SourceB, from["by-api"]);
        foreach (var message in received)
        {
            Assert.DoesNotContain("actormta-pool", message.Text, StringComparison.OrdinalIgnoreCase);
            // The field went, and nothing around it: the next field and the body are intact.
            Assert.Contains("\r\nSubject: ", message.Text);
            Assert.EndsWith("\r\n\r\ntoken body\r\n", message.Text);
        }
    }

    private static byte[] WithField(string field, string token) => Encoding.UTF8.GetBytes(
        $"From: <{Sender.Address}>\r\nTo: <{token}@named.pools.test>\r\n{field}\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\n" +
        $"Message-ID: <{token}-{Guid.NewGuid():N}@it.test>\r\nSubject: {token}\r\n\r\ntoken body\r\n");
}
