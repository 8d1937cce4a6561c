using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Queues;

// Operator commands (actormta ctl queue ...). Each is answered with QueueControlDone.

/// <summary>Stop delivery attempts for the domain until resumed; mail keeps being accepted and queued.</summary>
public sealed record SuspendQueue(string QueueName) : IDomainQueueCommand;

public sealed record ResumeQueue(string QueueName) : IDomainQueueCommand;

/// <summary>Retry every deferred message now, ignoring its next-attempt time (throttles still apply).</summary>
public sealed record FlushQueue(string QueueName) : IDomainQueueCommand;

/// <summary>Fail queued mail with a bounce to its sender: one message, or all of the queue when QueueId is null.</summary>
public sealed record BounceQueued(string QueueName, string? QueueId, string Reason) : IDomainQueueCommand;

/// <summary>Drop a queued message without a bounce.</summary>
public sealed record DeleteQueued(string QueueName, string QueueId) : IDomainQueueCommand;

/// <summary>Affected = messages the command changed (0 when the message id is not in this queue).</summary>
public sealed record QueueControlDone(string QueueName, int Affected) : IClusterMessage;
