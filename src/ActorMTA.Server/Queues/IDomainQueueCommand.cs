using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

/// <summary>A message for the DomainQueue entity <see cref="QueueName"/> (the recipient domain, lower-cased; later "domain#k" partitions).</summary>
public interface IDomainQueueCommand : IClusterMessage
{
    string QueueName { get; }
}
