using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Delivery;

/// <summary>One delivery status notification to write and hand in: a bounce (failed) or a warning (delayed).</summary>
/// <param name="DsnQueueId">Deterministic ("&lt;id&gt;.B1", "&lt;id&gt;.W"), so that sending it again after a restart is a no-op at the destination.</param>
public sealed record DsnJob(
    string DsnQueueId, string OriginalQueueId, string OriginalContentRef, string ReversePath,
    IReadOnlyList<FailedRecipient> Recipients, DateTimeOffset ArrivalDate, bool IsDelayWarning, int BounceNumber);

/// <summary>How a DSN ended: stored by its destination, or dropped on purpose (local sender without a mailbox).</summary>
public sealed record DsnOutcome(DsnJob Job, bool Stored, string Destination);

/// <summary>
/// Writes a DSN (RFC 3464, <see cref="BounceBuilder"/>) into the content store and enqueues it to the original
/// sender through the normal path: a local sender's mailbox, or the sender's domain queue with the null
/// reverse-path. Runs off the actor thread; completes when the destination has persisted it.
/// </summary>
public static class DsnCourier
{
    public static async Task<DsnOutcome> SendAsync(DsnJob job, IContentStore content, DeliveryServices services, ActorSystem system)
    {
        var sender = job.ReversePath.Trim().Trim('<', '>');
        var at = sender.LastIndexOf('@');
        var domain = at < 0 ? "" : sender[(at + 1)..];
        if (domain.Length == 0) return new DsnOutcome(job, false, "sender without a domain: " + sender);
        var destination = services.Router.DsnDestinationFor(sender, job.DsnQueueId);
        if (destination.IsNowhere) return new DsnOutcome(job, false, destination.Reason);

        byte[] bytes;
        await using (var original = content.OpenRead(job.OriginalContentRef))
        {
            var message = BounceBuilder.Build(new BounceRequest(
                services.ReportingMta, job.OriginalQueueId, sender, job.Recipients, original, job.ArrivalDate, job.IsDelayWarning));
            bytes = BounceWriter.ToBytes(message);
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
                new DeliverToMailbox(mailbox, job.DsnQueueId, reference, bytes.Length, now, 0) { OncePerQueueId = true }, services.Settings.BounceTimeout);
            return new DsnOutcome(job, true, destination.Reason);
        }
        var queueName = destination.QueueName!;
        await sharding.ShardRegion(ShardRegions.DomainQueueTypeName).Ask<DeliveryEnqueued>(
            new EnqueueDelivery(queueName, job.DsnQueueId, reference, "", [destination.Recipient!], bytes.Length, now, 0), services.Settings.BounceTimeout);
        return new DsnOutcome(job, true, destination.Reason);
    }
}
