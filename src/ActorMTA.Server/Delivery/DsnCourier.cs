using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Routing;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Delivery;

/// <summary>One delivery status notification to write and hand in: a bounce (failed, or relayed for NOTIFY=SUCCESS),
/// a warning (delayed), or a success report (delivered).</summary>
/// <param name="DsnQueueId">Deterministic ("&lt;id&gt;.B1", "&lt;id&gt;.W", "&lt;id&gt;.S"), so that sending it again after a restart is a no-op at the destination.</param>
/// <param name="Recipients">Every recipient the report is about; those whose NOTIFY does not ask for it are left out
/// of the report (and when none is left, nothing is sent), but the job still settles them all.</param>
public sealed record DsnJob(
    string DsnQueueId, string OriginalQueueId, string OriginalContentRef, string ReversePath,
    IReadOnlyList<FailedRecipient> Recipients, DateTimeOffset ArrivalDate, bool IsDelayWarning, int BounceNumber)
{
    /// <summary>RET=/ENVID= of the original message (RFC 3461).</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>The recipients whose NOTIFY asks for this kind of report.</summary>
    public IReadOnlyList<FailedRecipient> Wanted => Recipients.Where(r => r.WantsReport(IsDelayWarning)).ToArray();
}

/// <summary>How a DSN ended: stored by its destination, or dropped on purpose (local sender without a mailbox, or
/// <see cref="NotWanted"/>: no recipient's NOTIFY asked for it).</summary>
public sealed record DsnOutcome(DsnJob Job, bool Stored, string Destination)
{
    public bool NotWanted { get; init; }
}

/// <summary>
/// Writes a DSN (RFC 3464, <see cref="BounceBuilder"/>) into the content store and enqueues it to the original
/// sender through the normal path: a local sender's mailbox, or the sender's domain queue with the null
/// reverse-path. Runs off the actor thread; completes when the destination has persisted it. Recipients whose
/// NOTIFY (RFC 3461) does not ask for the report are left out; when that leaves none, nothing is written.
/// </summary>
public static class DsnCourier
{
    private static readonly byte[] LocalReturnPath = Encoding.ASCII.GetBytes("Return-Path: <>\r\n");

    public static async Task<DsnOutcome> SendAsync(DsnJob job, IContentStore content, DeliveryServices services, ActorSystem system)
    {
        var sender = job.ReversePath.Trim().Trim('<', '>');
        var destination = BounceBuilder.ShouldBounce(job.ReversePath) ? SenderDestination(sender, job, services) : null;
        string notify;
        IReadOnlyList<FailedRecipient> wanted;
        if (destination is not null)
        {
            notify = sender;
            wanted = job.Wanted;
            if (wanted.Count == 0) return new DsnOutcome(job, false, "NOTIFY asks for no such report") { NotWanted = true };
        }
        else
        {
            // Mail from the null sender failed, or a bounce has nowhere to go: a double bounce to the postmaster.
            // NOTIFY does not apply: the postmaster is told about every failure, and only failures (a delay warning or
            // a success report with nowhere to go is not worth one).
            var failures = job.IsDelayWarning ? Array.Empty<FailedRecipient>() : job.Recipients.Where(r => r.ActionIn(false) == DsnAction.Failed).ToArray();
            if (failures.Length == 0) return new DsnOutcome(job, false, "no place for a report to " + (sender.Length == 0 ? "<>" : sender));
            if (DoubleBounce.IsDoubleBounce(job.OriginalQueueId))
                return new DsnOutcome(job, false, "a double bounce that failed is not reported again");
            notify = services.Router.Accounts.ImplicitPostmaster;
            destination = services.Router.DsnDestinationFor(notify, job.DsnQueueId);
            if (destination.IsNowhere) return new DsnOutcome(job, false, "no postmaster: " + destination.Reason);
            wanted = failures;
        }
        var local = destination.Mailbox is not null;

        byte[] bytes;
        string? messageId;
        await using (var original = content.OpenRead(job.OriginalContentRef))
        {
            var message = BounceBuilder.Build(new BounceRequest(
                services.ReportingMta, job.OriginalQueueId, sender, wanted, original, job.ArrivalDate, job.IsDelayWarning)
                { Dsn = job.Dsn, Notify = notify });
            messageId = message.MessageId;
            // Into a local mailbox it goes as delivered mail, which starts with its Return-Path (RFC 5321 section
            // 4.4); queued for another server it goes without, the final server adds it.
            bytes = local ? [.. LocalReturnPath, .. BounceWriter.ToBytes(message)] : BounceWriter.ToBytes(message);
        }

        var writer = content.BeginWrite(job.DsnQueueId);
        string reference;
        try
        {
            await writer.Stream.WriteAsync(bytes);
            reference = (await content.CommitAsync(writer, 1))[0];
        }
        catch
        {
            content.Abort(writer);
            throw;
        }

        var sharding = ClusterSharding.Get(system);
        var now = DateTimeOffset.UtcNow;
        if (destination.Mailbox is { } mailbox)
        {
            await sharding.ShardRegion(ShardRegions.MailboxTypeName).Ask<MailboxDelivered>(
                new DeliverToMailbox(mailbox, job.DsnQueueId, reference, bytes.Length, now, 0)
                {
                    OncePerQueueId = true,
                    // A report from the null sender to whom it is for, received from ourselves.
                    Envelope = Observability.Events.DeliveryEvents.Get(system).Log is null
                        ? null
                        : new DeliveryEnvelope("dsn", null, "", [notify], new Queues.MessageTags(messageId, null, null)),
                }, services.Settings.BounceTimeout);
            return new DsnOutcome(job, true, destination.Reason);
        }
        var queueName = destination.QueueName!;
        await sharding.ShardRegion(ShardRegions.DomainQueueTypeName).Ask<DeliveryEnqueued>(
            new EnqueueDelivery(queueName, job.DsnQueueId, reference, "", [destination.Recipient!], bytes.Length, now, 0), services.Settings.BounceTimeout);
        return new DsnOutcome(job, true, destination.Reason);
    }

    /// <summary>Where a report to <paramref name="sender"/> goes; null when nowhere (then the postmaster gets it).</summary>
    private static DsnDestination? SenderDestination(string sender, DsnJob job, DeliveryServices services)
    {
        var at = sender.LastIndexOf('@');
        if (at < 0 || at == sender.Length - 1) return null;
        var destination = services.Router.DsnDestinationFor(sender, job.DsnQueueId);
        return destination.IsNowhere ? null : destination;
    }
}
