using ActorMTA.Server.Serialization;
using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The replies of one persisted batch to commands that came in <see cref="EntityCommandBundle"/>s from one
/// <see cref="EntityCourier"/>, sent back to it as one message; the courier hands each to its recipient on its own node.
/// </summary>
public sealed record EntityReplyBundle(IReadOnlyList<BundledReply> Replies) : IClusterMessage;

/// <summary>One reply of an <see cref="EntityReplyBundle"/> and the actor it is for.</summary>
public sealed record BundledReply(IActorRef To, object Message);
