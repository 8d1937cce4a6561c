namespace ActorMTA.Server.Queues;

/// <summary>
/// Published on the actor system's event stream each time a DomainQueue entity has recovered its state
/// (after its first message, or by itself through remember-entities after a restart). Operators' tools
/// and tests watch it; a delivering queue with pending mail schedules its next attempts from the same point.
/// </summary>
public sealed record DomainQueueRecovered(string QueueName, int Pending);
