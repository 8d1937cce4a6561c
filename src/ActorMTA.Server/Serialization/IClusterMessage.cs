namespace ActorMTA.Server.Serialization;

/// <summary>
/// Marker for every message that may travel between cluster nodes: commands to sharded entities, their replies and
/// refusals, their pushes to sessions, and the sharding messages of ActorMTA's own. hocon/akka.conf binds it to
/// <see cref="ClusterMessageSerializer"/>, so none of it falls back to the default JSON serializer. Types only ever
/// carried inside such a message (MailboxMessage, FlagChange, ...) are written by that serializer and need no marker.
/// </summary>
public interface IClusterMessage;
