using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Sent by a persistent entity to the sender of every command it could not carry out because a journal write
/// failed (disk full, I/O error): that command's batch, and the commands waiting behind it. Nothing of them took
/// effect; the entity restarts from its journal with the next command. Senders answer at once (452 4.3.1,
/// NO [UNAVAILABLE], -ERR) instead of waiting for their timeout.
/// </summary>
public sealed record JournalWriteFailed(object Command, string Reason) : IClusterMessage;
