using System.Diagnostics;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>A domain's max-connections holds while a backlog drains: the receiver counts what it sees.</summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeliveryThrottleTests(ITestOutputHelper output)
{
    private const int Messages = 500;
    private const string Domain = "throttle.test";
    private const string Mx = "127.0.0.2";
    private static readonly TestUser Sender = TestUser.Local("throttle-sender");

    [Fact]
    public async Task A_domain_limited_to_2_connections_never_gets_more_while_500_messages_drain()
    {
        // The default allows 4; the domain's own entry must win. Small batches per connection make
        // the server open many connections, so a broken limit would show.
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Domain, Mx)], [Sender],
            overrides: """actormta.delivery.throttles { "throttle.test" { max-connections = 2, max-messages-per-connection = 20 } }""");
        var receiver = bed.Receiver(Mx);
        // A few milliseconds per reply keep each connection open long enough to overlap with others.
        receiver.ResponseDelay = TimeSpan.FromMilliseconds(2);

        var watch = Stopwatch.StartNew();
        var messages = Enumerable.Range(0, Messages)
            .Select(i => ($"user{i % 20}@{Domain}", DeliveryTestBed.Message(Sender.Address, $"user{i % 20}@{Domain}", $"throttle-{i:D3}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 10);
        output.WriteLine($"{Messages} accepted in {watch.Elapsed.TotalSeconds:F1} s");

        await receiver.WaitForMessagesAsync(Messages, TimeSpan.FromSeconds(60));
        output.WriteLine($"{Messages} delivered in {watch.Elapsed.TotalSeconds:F1} s over {receiver.TotalConnections} connections; " +
                         $"max concurrent {receiver.MaxConcurrentConnections}");
        Assert.True(receiver.MaxConcurrentConnections <= 2, $"the receiver saw {receiver.MaxConcurrentConnections} connections at once");
        Assert.True(receiver.TotalConnections >= Messages / 20, $"{receiver.TotalConnections} connections for {Messages} messages at 20 per connection");
    }
}
