using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>Mail that keeps failing temporarily gets one "delayed" warning, then fails with 4.4.7 at max-age.</summary>
public sealed class ExpiryTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, """
        actormta.delivery {
          retry-schedule = [150ms]
          delay-warning-after = 400ms
          max-age = 2s
        }
        """), IClassFixture<DeliveryZoneFixture>
{
    [Fact]
    public async Task A_message_deferred_past_max_age_is_warned_about_once_and_then_bounced_as_expired()
    {
        Receivers[0].Mode = ReceiverMode.Scripted;
        Receivers[0].DefaultOutcome = ScriptedOutcome.TempFail();

        var id = Enqueue("one.test", Message("never accepted"));

        var drop = await WaitForMailAsync(Sender, 2, TimeSpan.FromSeconds(15));
        await WaitForEmptyQueueAsync("one.test", TimeSpan.FromSeconds(10));
        await Task.Delay(300);

        drop = Mailbox(Sender);
        Assert.Equal([id + ".W", id + ".B1"], drop.Messages.Select(m => m.QueueId));
        var warning = await ReadAsync(drop.Messages[0].ContentRef);
        Assert.Contains("Action: delayed", warning);
        Assert.Contains("Status: 4.3.0", warning);
        var bounce = await ReadAsync(drop.Messages[1].ContentRef);
        Assert.Contains("Action: failed", bounce);
        Assert.Contains("Status: 4.4.7", bounce);
        Assert.Contains("expired", bounce);
        Assert.True(Receivers[0].Transactions >= 3, $"{Receivers[0].Transactions} attempts before expiry");
        Assert.Empty(Receivers[0].Messages);
    }

    private async Task<string> ReadAsync(string reference)
    {
        await using var stream = Content.OpenRead(reference);
        return await new StreamReader(stream).ReadToEndAsync();
    }
}
