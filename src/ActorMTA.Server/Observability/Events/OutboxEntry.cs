namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// The delivery events (rendered JSON lines) derived from the journal event with sequence number
/// <paramref name="Sequence"/> of one entity, waiting for the event log to confirm it wrote them.
/// </summary>
public sealed record OutboxEntry(long Sequence, IReadOnlyList<string> Lines);
