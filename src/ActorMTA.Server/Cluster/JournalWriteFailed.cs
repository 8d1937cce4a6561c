using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Sent by a persistent entity to the sender of every command it could not carry out because a journal write
/// failed (disk full, I/O error): that command's batch, and the commands waiting behind it. Nothing of them took
/// effect; the entity restarts from its journal with the next command. Senders answer at once (452 4.3.1,
/// NO [UNAVAILABLE], -ERR) instead of waiting for their timeout.
/// </summary>
public sealed record JournalWriteFailed(object Command, string Reason) : IClusterMessage
{
    /// <summary>
    /// Whether this failure is about <paramref name="command"/>. From an entity on another node <see cref="Command"/>
    /// is a copy, and records holding lists compare those by reference: such a copy is recognised by serializing to
    /// the same bytes.
    /// </summary>
    public bool IsAbout(object? command, Akka.Serialization.Serialization serialization)
    {
        if (command is null) return false;
        if (Equals(Command, command)) return true;
        if (Command.GetType() != command.GetType()) return false;
        var serializer = serialization.FindSerializerFor(command);
        return serializer.ToBinary(command).AsSpan().SequenceEqual(serializer.ToBinary(Command));
    }
}
