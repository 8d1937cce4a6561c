using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using System.Security.Cryptography;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// Webhooks against a real HTTP receiver that is down for the first part of the run and then fails every third batch with
/// 500: in the end it holds every event of the log exactly once after de-duplication by id, each message's events in
/// order, every batch signed with the endpoint's secret.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WebhookTests(ITestOutputHelper output)
{
    private const string Mx = "127.0.0.138";
    private const string HookAddress = "127.0.0.139";
    private const string Secret = "whsec-0123456789abcdef";
    private static readonly TestUser Sender = TestUser.Local("hook-sender");

    [Fact]
    public async Task A_receiver_that_was_down_and_fails_some_batches_gets_every_event_once_in_order_and_signed()
    {
        await using var hook = new WebhookReceiver(HookAddress);
        hook.StatusFor = n => n % 3 == 0 ? 500 : 200;
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("hooked.test", Mx)], [Sender], overrides: $$"""
            actormta.webhooks = [{
              name = "test-hook"
              url = "http://{{HookAddress}}:{{hook.EndPoint.Port}}/events"
              secret = "{{Secret}}"
              batch-size = 7
              max-delay = 200ms
              max-backoff = 1s
            }]
            """);
        var messages = Enumerable.Range(0, 25).Select(i => ($"user{i}@hooked.test", DeliveryTestBed.Message(Sender.Address, $"user{i}@hooked.test", $"hook-{i}-{Guid.NewGuid():N}"))).ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 4);
        await bed.Receiver(Mx).WaitForMessagesAsync(messages.Count, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the endpoint is down meanwhile: the shipper backs off
        var down = bed.CtlJson("webhooks").AsArray().Single()!.AsObject();
        Assert.True(down["failures"]!.GetValue<int>() >= 1, down.ToJsonString());
        Assert.Equal(0, down["delivered"]!.GetValue<long>());
        hook.Up();

        var logged = EventsOfLog(bed);
        Assert.True(logged.Count >= 2 * messages.Count, $"{logged.Count} events in the log");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<JsonObject> received;
        while (true)
        {
            received = hook.Requests.Where(r => r.Status == 200).SelectMany(r => JsonNode.Parse(r.Body)!.AsArray().Select(e => e!.AsObject())).ToList();
            if (logged.Keys.All(received.Select(Id).ToHashSet().Contains)) break;
            Assert.True(DateTime.UtcNow < deadline, $"{received.Select(Id).Distinct().Count()} of {logged.Count} events received in time");
            await Task.Delay(250);
        }
        var requests = hook.Requests.ToList();
        output.WriteLine($"{requests.Count} POSTs ({requests.Count(r => r.Status == 500)} answered 500), {received.Count} events accepted, {logged.Count} in the log");

        // Exactly the log's events after de-duplication, each as the log has it.
        var unique = received.GroupBy(Id).ToDictionary(g => g.Key, g => g.First());
        Assert.Equal(logged.Keys.Order(), unique.Keys.Order());
        foreach (var (id, e) in unique) Assert.Equal(logged[id].ToJsonString(), e.ToJsonString());
        // In order per message: a message's Reception comes before its Delivery, in every copy received.
        var firstSeen = received.Select((e, i) => (e, i)).GroupBy(x => Id(x.e)).ToDictionary(g => g.Key, g => g.Min(x => x.i));
        foreach (var message in unique.Values.GroupBy(e => e["queue_id"]!.GetValue<string>()))
        {
            var reception = message.Single(e => e["type"]!.GetValue<string>() == "Reception");
            var delivery = message.Single(e => e["type"]!.GetValue<string>() == "Delivery");
            Assert.True(firstSeen[Id(reception)] < firstSeen[Id(delivery)], $"message {message.Key}: Delivery before Reception");
        }
        // Every batch, accepted or not, is a JSON array of at most batch-size events, signed with the secret.
        foreach (var (_, headers, body) in requests)
        {
            Assert.InRange(JsonNode.Parse(body)!.AsArray().Count, 1, 7);
            Assert.Equal("application/json", headers["content-type"]);
            Assert.True(Signed(Secret, headers["x-actormta-signature"], body), headers["x-actormta-signature"]);
            Assert.False(Signed("another-secret-0123", headers["x-actormta-signature"], body));
        }
        var status = bed.CtlJson("webhooks").AsArray().Single()!.AsObject();
        Assert.True(status["delivered"]!.GetValue<long>() >= logged.Count, status.ToJsonString());
    }

    private static Dictionary<string, JsonObject> EventsOfLog(DeliveryTestBed bed)
    {
        var result = bed.Server.RunCli("events", "query", "--since", "1h", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToDictionary(Id);
    }

    /// <summary>The receiver's check, written from the documented scheme: "t=SECONDS,v1=HEX", HMAC-SHA256 of "SECONDS.BODY".</summary>
    private static bool Signed(string secret, string header, byte[] body)
    {
        var fields = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), (byte[])[.. Encoding.ASCII.GetBytes(fields["t"] + "."), .. body]);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(fields["v1"]));
    }

    private static string Id(JsonObject e) => e["id"]!.GetValue<string>();
}
