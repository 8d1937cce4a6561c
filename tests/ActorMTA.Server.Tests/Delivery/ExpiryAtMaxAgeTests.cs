using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// A deferred message expires at max-age even when its next retry is much later: expiry is found through the
/// queue's queued-at index, not when the message next comes due.
/// </summary>
public sealed class ExpiryAtMaxAgeTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, """
        actormta.delivery {
          retry-schedule = [1h]
          delay-warning-after = 0s
          max-age = 1500ms
        }
        """), IClassFixture<DeliveryZoneFixture>
{
    [Fact]
    public async Task A_message_deferred_past_max_age_bounces_with_4_4_7_without_waiting_for_its_retry()
    {
        Receivers[0].Mode = ReceiverMode.Scripted;
        Receivers[0].DefaultOutcome = ScriptedOutcome.TempFail();

        var id = Enqueue("one.test", Message("deferred for an hour"));

        await WaitForMailAsync(Sender, 1, TimeSpan.FromSeconds(10));
        await WaitForEmptyQueueAsync("one.test", TimeSpan.FromSeconds(10));

        var drop = Mailbox(Sender);
        Assert.Equal([id + ".B1"], drop.Messages.Select(m => m.QueueId));
        await using var stream = Content.OpenRead(drop.Messages[0].ContentRef);
        var bounce = await new StreamReader(stream).ReadToEndAsync();
        Assert.Contains("Status: 4.4.7", bounce);
        // Tried at most once (no retry waited for); on a loaded machine max-age can pass before the first attempt.
        Assert.InRange(Receivers[0].Transactions, 0, 1);
    }
}
