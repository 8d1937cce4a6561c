using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Queues;
using Xunit;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>The retry, expiry and settle rules of the scheduled queue, one rule per test, without actors.</summary>
public sealed class SettlePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    private static readonly SmtpReply NoSuchUser = new(550, "5.1.1", "no such user");
    private static readonly SmtpReply Later = new(451, "4.3.0", "try later");

    private static readonly DeliverySettings Settings = new()
    {
        RetrySchedule = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)],
        RetryJitter = 0,
        MaxAge = TimeSpan.FromDays(1),
        DelayWarningAfter = TimeSpan.FromHours(4),
    };

    private static readonly SettlePolicy Policy = new(Settings, new Random(1));

    private static QueuedDelivery Entry(DateTimeOffset? queuedAt = null, int attempts = 0, string sender = "s@h.test", params string[] recipients) =>
        new("Q1", "r1", sender, recipients.Length == 0 ? ["a@y.test", "b@y.test"] : recipients, 10, queuedAt ?? T0, attempts, queuedAt ?? T0, null);

    private static RecipientResult[] Results(params (string Recipient, SmtpReply Reply)[] results) =>
        results.Select(r => new RecipientResult(r.Recipient, r.Reply)).ToArray();

    private static Settlement Settle(QueuedDelivery entry, RecipientResult[] results, DateTimeOffset now, string? mx = "mx.y.test",
        bool counted = true, DateTimeOffset? backoffUntil = null, bool warningPending = false) =>
        Policy.Settle(entry, results, mx, counted, now, backoffUntil ?? DateTimeOffset.MinValue, warningPending);

    [Fact]
    public void Accepted_recipients_are_delivered()
    {
        var s = Settle(Entry(), Results(("a@y.test", Ok), ("b@y.test", Ok)), T0.AddSeconds(1));

        Assert.Equal(["a@y.test", "b@y.test"], s.Attempt!.Delivered);
        Assert.Empty(s.Attempt.Failed);
        Assert.Equal("delivered", s.Attempt.LastResult);
        Assert.False(s.Expired);
        Assert.Null(s.DelayWarning);
    }

    [Fact]
    public void A_5xx_fails_the_recipient_for_its_bounce_with_the_servers_reply()
    {
        var s = Settle(Entry(), Results(("a@y.test", Ok), ("b@y.test", NoSuchUser)), T0.AddSeconds(1));

        var failed = Assert.Single(s.Attempt!.Failed);
        Assert.Equal(("b@y.test", "5.1.1", "smtp; 550 5.1.1 no such user", "mx.y.test"), (failed.Recipient, failed.Status, failed.Diagnostic, failed.RemoteMta));
        Assert.Equal(["a@y.test"], s.Attempt.Delivered);
    }

    [Fact]
    public void A_failure_we_made_up_without_a_host_is_ours_in_the_diagnostic()
    {
        var s = Settle(Entry(), Results(("a@y.test", new SmtpReply(550, "5.0.0", "bounced by the administrator"))), T0, mx: null, counted: false);

        var failed = Assert.Single(s.Attempt!.Failed);
        Assert.Equal(("X-ActorMTA; bounced by the administrator", null), (failed.Diagnostic, failed.RemoteMta));
        Assert.False(s.Attempt.Counted);
    }

    [Fact]
    public void A_4xx_defers_to_the_schedules_interval_for_the_attempt_number()
    {
        var now = T0.AddMinutes(10);

        var first = Settle(Entry(attempts: 0), Results(("a@y.test", Later)), now);
        var third = Settle(Entry(attempts: 2), Results(("a@y.test", Later)), now);
        var beyond = Settle(Entry(attempts: 9), Results(("a@y.test", Later)), now);
        var uncounted = Settle(Entry(attempts: 1), Results(("a@y.test", Later)), now, counted: false);

        Assert.Equal(now.AddMinutes(1), first.Attempt!.NextAttemptAt);
        Assert.Equal(now.AddMinutes(15), third.Attempt!.NextAttemptAt);
        Assert.Equal(now.AddMinutes(15), beyond.Attempt!.NextAttemptAt); // the last interval repeats
        Assert.Equal(now.AddMinutes(1), uncounted.Attempt!.NextAttemptAt);
        Assert.Empty(first.Attempt.Failed);
        Assert.Equal("451 4.3.0 try later", first.Attempt.LastResult);
    }

    [Fact]
    public void The_retry_is_spread_by_the_jitter()
    {
        var jittery = new SettlePolicy(Settings with { RetryJitter = 0.1 }, new Random(7));
        var delays = Enumerable.Range(0, 50)
            .Select(_ => jittery.Settle(Entry(), Results(("a@y.test", Later)), "mx", true, T0, DateTimeOffset.MinValue, false).Attempt!.NextAttemptAt - T0)
            .ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(54), TimeSpan.FromSeconds(66)));
        Assert.True(delays.Distinct().Count() > 1, "jitter spreads the retries");
    }

    [Fact]
    public void A_retry_never_comes_before_the_domains_backoff_ends()
    {
        var s = Settle(Entry(), Results(("a@y.test", Later)), T0, backoffUntil: T0.AddMinutes(30));

        Assert.Equal(T0.AddMinutes(30), s.Attempt!.NextAttemptAt);
    }

    [Fact]
    public void A_4xx_after_max_age_fails_the_recipient_with_4_4_7()
    {
        var now = T0.AddDays(1);
        var s = Settle(Entry(), Results(("a@y.test", Later), ("b@y.test", Ok)), now);

        Assert.True(s.Expired);
        var failed = Assert.Single(s.Attempt!.Failed);
        Assert.Equal(("a@y.test", "4.4.7"), (failed.Recipient, failed.Status));
        Assert.Contains("delivery time expired after 24 hours, last error: 451 4.3.0 try later", failed.Diagnostic);
        Assert.Equal(T0, s.Attempt.NextAttemptAt); // nothing left to retry
        Assert.Null(s.DelayWarning);
        Assert.True(Policy.IsExpired(Entry(), now));
        Assert.False(Policy.IsExpired(Entry(), now.AddTicks(-1)));
        Assert.Equal(now, Policy.ExpiresAt(Entry()));
    }

    [Fact]
    public void A_delay_warning_is_due_once_a_deferred_message_is_old_enough()
    {
        var early = Settle(Entry(), Results(("a@y.test", Later)), T0.AddHours(3));
        var late = Settle(Entry(), Results(("a@y.test", Later)), T0.AddHours(4));

        Assert.Null(early.DelayWarning);
        var warned = Assert.Single(late.DelayWarning!);
        Assert.Equal(("a@y.test", "4.3.0", "smtp; 451 4.3.0 try later", "mx.y.test"), (warned.Address, warned.Status, warned.DiagnosticCode, warned.RemoteMta));
    }

    [Fact]
    public void No_second_delay_warning_and_none_to_the_null_sender_or_when_switched_off()
    {
        var now = T0.AddHours(5);
        var results = Results(("a@y.test", Later));

        Assert.Null(Settle(Entry() with { DelayWarningSent = true }, results, now).DelayWarning);
        Assert.Null(Settle(Entry(), results, now, warningPending: true).DelayWarning);
        Assert.Null(Settle(Entry(sender: ""), results, now).DelayWarning);
        var off = new SettlePolicy(Settings with { DelayWarningAfter = TimeSpan.Zero }, new Random(1));
        Assert.Null(off.Settle(Entry(), results, "mx", true, now, DateTimeOffset.MinValue, false).DelayWarning);
    }

    [Fact]
    public void Results_for_recipients_no_longer_pending_change_nothing()
    {
        var s = Settle(Entry(recipients: ["a@y.test"]), Results(("gone@y.test", Ok), ("a@y.test", NoSuchUser), ("a@y.test", Ok)), T0);

        Assert.Equal(["a@y.test"], s.Applied.Select(r => r.Recipient));
        Assert.Single(s.Attempt!.Failed);
        Assert.Empty(s.Attempt.Delivered);
        Assert.Same(Settlement.Nothing, Settle(Entry(), Results(("gone@y.test", Ok)), T0));
    }

    [Fact]
    public void A_message_is_settled_when_nothing_is_pending_and_no_bounce_waits()
    {
        Assert.True(SettlePolicy.IsSettled(Entry() with { Recipients = [] }));
        Assert.False(SettlePolicy.IsSettled(Entry()));
        Assert.False(SettlePolicy.IsSettled(Entry() with { Recipients = [], Failures = [new FailedDelivery("a@y.test", "5.1.1", "x", null, T0)] }));
    }
}
