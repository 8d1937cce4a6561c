namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Events for the node's event log. With a <paramref name="Producer"/> (an entity's persistence id) they are derived
/// from its journal: entries at or below what the log already holds for it are dropped, and the sender is told
/// <see cref="EventsWritten"/> once everything up to the highest entry is durable. Without one (rejections, which no
/// journal holds) they are written once, unconfirmed.
/// </summary>
/// <remarks>Both stay on their node (an entity and the log it writes to share it), so they need no cluster serializer.</remarks>
public sealed record AppendEvents(string? Producer, IReadOnlyList<OutboxEntry> Entries) : Akka.Actor.INoSerializationVerificationNeeded;

/// <summary>The events of <paramref name="Producer"/> up to journal sequence number <paramref name="UpTo"/> are durable.</summary>
public sealed record EventsWritten(string Producer, long UpTo) : Akka.Actor.INoSerializationVerificationNeeded;
