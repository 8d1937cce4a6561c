using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Bounces;

namespace ActorMTA.Server.Queues;

/// <summary>
/// What settling a message decided: the event to persist (null when none of the results concerned a pending
/// recipient), the results that did, whether the deferred recipients were failed because the message is past
/// max-age, and the recipients to report in a "delayed" DSN when one is now due.
/// </summary>
public sealed record Settlement(
    DeliveryAttempted? Attempt, IReadOnlyList<RecipientResult> Applied, bool Expired, IReadOnlyList<FailedRecipient>? DelayWarning)
{
    public static readonly Settlement Nothing = new(null, [], false, null);
}

/// <summary>
/// The retry, expiry and settle rules of the scheduled queue, without actors: what a set of recipient results
/// does to a queued message. Delivered recipients are done; 5xx ones fail and wait for their bounce; 4xx ones
/// are retried after the schedule's interval (with jitter, and not before the domain's backoff ends) unless the
/// message is older than max-age, in which case they fail with 4.4.7. A deferred message old enough for a delay
/// warning gets one, once. Results for recipients no longer pending (deleted or bounced meanwhile) are ignored.
/// </summary>
public sealed class SettlePolicy(DeliverySettings settings, Random random)
{
    /// <summary>The reply given to recipients of a message that expired while waiting for its next attempt.</summary>
    public static readonly SmtpReply ExpiredReply = new(451, "4.4.7", "Delivery time expired");

    public bool IsExpired(QueuedDelivery entry, DateTimeOffset now) => entry.QueuedAt <= ExpiredIfQueuedBy(now);

    /// <summary>Mail queued at or before this moment is past max-age at <paramref name="now"/>.</summary>
    public DateTimeOffset ExpiredIfQueuedBy(DateTimeOffset now) => now - settings.MaxAge;

    /// <summary>When a message will be past max-age.</summary>
    public DateTimeOffset ExpiresAt(QueuedDelivery entry) => entry.QueuedAt + settings.MaxAge;

    /// <summary>Every recipient delivered or failed and every bounce stored: the message may leave the queue.</summary>
    public static bool IsSettled(QueuedDelivery entry) => entry.Recipients.Count == 0 && entry.Failures.Count == 0;

    /// <param name="counted">A real delivery attempt (not an operator's bounce or an expiry): it counts for the retry schedule.</param>
    /// <param name="backoffUntil">The domain's backoff: no retry is scheduled before it.</param>
    /// <param name="warningPending">A delay warning for this message is already due and not yet stored.</param>
    /// <param name="nextHopHasDsn">The server that accepted recipients offers DSN (RFC 3461). When it does not, an
    /// accepted recipient with NOTIFY=SUCCESS is kept for a "relayed" report (a <see cref="FailedDelivery"/> with a
    /// 2.x.x status, section 5.2.2), so the message stays until that report is stored like a bounce.</param>
    public Settlement Settle(
        QueuedDelivery entry, IReadOnlyList<RecipientResult> results, string? mx, bool counted,
        DateTimeOffset now, DateTimeOffset backoffUntil, bool warningPending, bool nextHopHasDsn = true)
    {
        var reportsRelay = !nextHopHasDsn && BounceBuilder.ShouldBounce(entry.ReversePath);
        var pending = entry.Recipients.ToHashSet(StringComparer.Ordinal);
        var applied = new List<RecipientResult>();
        var delivered = new List<string>();
        var failed = new List<FailedDelivery>();
        var deferred = new List<RecipientResult>();
        foreach (var result in results)
        {
            if (!pending.Remove(result.Recipient)) continue;
            applied.Add(result);
            if (result.Accepted && reportsRelay && entry.DsnOf(result.Recipient).WantsSuccess)
                failed.Add(new FailedDelivery(result.Recipient, result.Reply.EnhancedCode ?? "2.0.0", "smtp; " + OneLine(result.Reply), mx, now));
            else if (result.Accepted) delivered.Add(result.Recipient);
            else if (result.IsPermanentFailure) failed.Add(Failure(result.Recipient, result.Reply, mx, now));
            else deferred.Add(result);
        }
        if (applied.Count == 0) return Settlement.Nothing;

        var next = entry.NextAttemptAt;
        var expired = deferred.Count > 0 && IsExpired(entry, now);
        if (expired)
        {
            foreach (var d in deferred)
                failed.Add(new FailedDelivery(d.Recipient, "4.4.7",
                    $"X-ActorMTA; delivery time expired after {(now - entry.QueuedAt).TotalHours:0.#} hours, last error: {OneLine(d.Reply)}", mx, now));
            deferred.Clear();
        }
        else if (deferred.Count > 0)
        {
            next = now + settings.RetryDelay(entry.Attempts + (counted ? 1 : 0), random);
            if (backoffUntil > next) next = backoffUntil;
        }
        var lastText = deferred.Count > 0 ? OneLine(deferred[0].Reply)
            : failed.FirstOrDefault(f => !f.IsRelayed) is { } failure ? failure.Status + " " + failure.Diagnostic
            : "delivered";
        var attempt = new DeliveryAttempted(entry.QueueId, delivered, failed, counted, next, lastText);
        var warning = deferred.Count > 0 && DelayWarningDue(entry, now, warningPending)
            ? deferred.Select(d => new FailedRecipient(d.Recipient, d.Reply.EnhancedCode ?? "4.0.0", "smtp; " + OneLine(d.Reply), mx, now)
                { Dsn = entry.DsnOf(d.Recipient) }).ToArray()
            : null;
        return new Settlement(attempt, applied, expired, warning);
    }

    private bool DelayWarningDue(QueuedDelivery entry, DateTimeOffset now, bool warningPending) =>
        settings.DelayWarningAfter > TimeSpan.Zero && !entry.DelayWarningSent && !warningPending
        && now - entry.QueuedAt >= settings.DelayWarningAfter && BounceBuilder.ShouldBounce(entry.ReversePath);

    private static FailedDelivery Failure(string recipient, SmtpReply reply, string? mx, DateTimeOffset now)
    {
        var status = reply.EnhancedCode ?? $"{reply.Code / 100}.0.0";
        // A reply from a server is "smtp; ..."; one we made up (DNS, operator) is ours.
        var diagnostic = mx is not null ? "smtp; " + OneLine(reply) : "X-ActorMTA; " + string.Join(" ", reply.Lines);
        return new FailedDelivery(recipient, status, diagnostic, string.IsNullOrEmpty(mx) ? null : mx, now);
    }

    private static string OneLine(SmtpReply reply) => reply.ToString().Replace("\r\n", " ");
}
