using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Storage;
using Akka.Actor;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// The "delivered" report (RFC 3461 section 6.2.2, RFC 3464 Action: delivered) for recipients that asked for one
/// with NOTIFY=SUCCESS and were delivered into local mailboxes. Runs off the actor thread: an actor calls
/// <see cref="SendAsync"/> and pipes the outcome to itself.
/// </summary>
public static class SuccessDsn
{
    /// <summary>The report's own queue id: fixed per message, so a repeated call stores it only once.</summary>
    public static string QueueIdFor(string queueId) => queueId + ".S";

    /// <summary>
    /// Writes and hands in the report for the <paramref name="recipients"/> whose NOTIFY includes SUCCESS; completes
    /// with <see cref="DsnOutcome.Stored"/> false and nothing written when none does or the sender is &lt;&gt;.
    /// <paramref name="contentRef"/> must stay valid until the task completes (only its header section is read).
    /// </summary>
    public static Task<DsnOutcome> SendAsync(
        string queueId, string reversePath, DsnMessageParameters message,
        IReadOnlyList<(string Address, DsnRecipientParameters Dsn)> recipients, string contentRef,
        IContentStore content, DeliveryServices services, ActorSystem system, DateTimeOffset? arrivalDate = null)
    {
        var now = services.Clock.GetUtcNow();
        var job = new DsnJob(QueueIdFor(queueId), queueId, contentRef, reversePath,
            recipients.Select(r => new FailedRecipient(r.Address, "2.0.0", "smtp; 250 2.0.0 delivered to mailbox", null, now)
                { Action = DsnAction.Delivered, Dsn = r.Dsn }).ToArray(),
            arrivalDate ?? now, IsDelayWarning: false, BounceNumber: 0) { Dsn = message };
        if (!BounceBuilder.ShouldBounce(reversePath)) return Task.FromResult(new DsnOutcome(job, false, "null sender"));
        if (job.Wanted.Count == 0) return Task.FromResult(new DsnOutcome(job, false, "no recipient asked for NOTIFY=SUCCESS") { NotWanted = true });
        return DsnCourier.SendAsync(job, content, services, system);
    }
}
