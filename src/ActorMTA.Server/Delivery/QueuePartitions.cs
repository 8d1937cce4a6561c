using System.Text;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// Which DomainQueue entity holds a message. A domain whose throttle has <c>partitions = N &gt; 1</c> is split
/// into the entities "domain#0" .. "domain#N-1" and a message goes to the one its id hashes to; every
/// partition enforces 1/N of the domain's limits. The one place both the SMTP session and the queues
/// (for bounces) take the partition from.
/// </summary>
public static class QueuePartitions
{
    public const char Separator = '#';

    /// <summary>The QueueName of the entity holding message <paramref name="queueId"/> for <paramref name="domain"/> (lower-cased).</summary>
    public static string QueueNameFor(string domain, string queueId, int partitions)
    {
        var normalized = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (partitions <= 1) return normalized;
        return normalized + Separator + PartitionOf(queueId, partitions);
    }

    /// <summary>The recipient domain of a QueueName ("example.org#3" → "example.org").</summary>
    public static string DomainOf(string queueName)
    {
        var hash = queueName.LastIndexOf(Separator);
        return hash < 0 ? queueName : queueName[..hash];
    }

    /// <summary>
    /// FNV-1a of the UTF-8 id: stable across processes and nodes (string.GetHashCode is randomised per
    /// process, which would move a message to another partition on retry).
    /// </summary>
    public static int PartitionOf(string queueId, int partitions)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(queueId))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }
}
