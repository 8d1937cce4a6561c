using ActorMTA.Server.Serialization;
using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Several commands for one entity, sent through its shard region as one message by an <see cref="EntityCourier"/>.
/// The entity takes each command as if its sender had sent it alone (<see cref="BundledCommand.Sender"/>) and answers
/// the senders on the courier's node in one <see cref="EntityReplyBundle"/> per persisted batch. Every message that
/// crosses nodes costs a hand-over to and from the remoting threads on both sides and a pass through the shard region
/// and shard; a bundle pays them once for all of its commands.
/// </summary>
public sealed record EntityCommandBundle(string EntityId, IReadOnlyList<BundledCommand> Commands) : IClusterMessage;

/// <summary>One command of an <see cref="EntityCommandBundle"/> and who sent it (the one its reply is for).</summary>
public sealed record BundledCommand(IActorRef Sender, object Command);
