using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Queues;
using Xunit;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>RFC 3461 section 5.2.2: a NOTIFY=SUCCESS recipient accepted by a server without DSN is kept for a "relayed" report.</summary>
public sealed class SettlePolicyDsnTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly SmtpReply Ok = new(250, "2.0.0", "Ok: queued as X");

    private static readonly SettlePolicy Policy = new(new DeliverySettings(), new Random(1));

    private static QueuedDelivery Entry(string sender = "s@h.test") =>
        new QueuedDelivery("Q1", "ref", sender, ["a@y.test", "b@y.test"], 10, Now, 0, Now, null)
        {
            RecipientDsn = new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal)
            {
                ["a@y.test"] = new(DsnNotify.Success | DsnNotify.Failure, null),
                ["b@y.test"] = new(DsnNotify.Failure, null),
            },
        };

    private static DeliveryAttempted Settle(QueuedDelivery entry, bool nextHopHasDsn) =>
        Policy.Settle(entry, [new RecipientResult("a@y.test", Ok), new RecipientResult("b@y.test", Ok)], "mx.y.test", true, Now, Now, false, nextHopHasDsn).Attempt!;

    [Fact]
    public void Without_dsn_at_the_next_hop_a_success_recipient_waits_for_its_relayed_report()
    {
        var attempt = Settle(Entry(), nextHopHasDsn: false);

        Assert.Equal(["b@y.test"], attempt.Delivered);
        var relayed = Assert.Single(attempt.Failed);
        Assert.Equal(("a@y.test", "2.0.0", true, "mx.y.test"), (relayed.Recipient, relayed.Status, relayed.IsRelayed, relayed.RemoteMta));
        Assert.Equal("delivered", attempt.LastResult);

        var state = new DomainQueueState();
        state.Apply(new DeliveryQueued("Q1", "ref", "s@h.test", ["a@y.test", "b@y.test"], 10, Now) { RecipientDsn = Entry().RecipientDsn });
        state.Apply(attempt);
        Assert.Equal(["Q1"], state.AwaitingBounce().Select(e => e.QueueId));
    }

    [Fact]
    public void A_next_hop_with_dsn_takes_over_and_nothing_is_kept()
    {
        var attempt = Settle(Entry(), nextHopHasDsn: true);
        Assert.Equal(["a@y.test", "b@y.test"], attempt.Delivered);
        Assert.Empty(attempt.Failed);
    }

    [Fact]
    public void Mail_from_the_null_sender_gets_no_relayed_report()
    {
        var attempt = Settle(Entry(sender: ""), nextHopHasDsn: false);
        Assert.Equal(["a@y.test", "b@y.test"], attempt.Delivered);
    }

    [Fact]
    public void Delay_warnings_carry_the_recipients_notify()
    {
        var settings = new DeliverySettings { DelayWarningAfter = TimeSpan.FromMinutes(1) };
        var policy = new SettlePolicy(settings, new Random(1));
        var entry = Entry() with { QueuedAt = Now.AddHours(-1) };

        var settlement = policy.Settle(entry, [new RecipientResult("a@y.test", new SmtpReply(451, "4.3.0", "later"))], "mx.y.test", true, Now, Now, false);

        var warned = Assert.Single(settlement.DelayWarning!);
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, warned.Dsn.Notify);
        Assert.False(warned.WantsReport(delayWarning: true));
    }
}
