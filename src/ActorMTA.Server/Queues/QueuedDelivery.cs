namespace ActorMTA.Server.Queues;

/// <summary>
/// One message waiting in a domain queue, with the delivery bookkeeping outbound delivery will update:
/// attempts made, when the next one is due and what the last one said.
/// </summary>
public sealed record QueuedDelivery(
    string MessageId,
    string ContentRef,
    string ReversePath,
    IReadOnlyList<string> Recipients,
    long Size,
    DateTimeOffset QueuedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    string? LastResult);
