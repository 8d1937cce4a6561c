namespace ActorMTA.Server.Inbound;

/// <summary>
/// Queue ids name a message across logs, the spool and the journal. They sort in time order (so `ls` and logs
/// sort sensibly), are unique across the nodes of a cluster, and use only [0-9A-Z] without I, L, O, U: safe in
/// file names. <see cref="New"/> draws from one process-wide <see cref="QueueIdGenerator"/>.
/// </summary>
public static class QueueIds
{
    private static readonly QueueIdGenerator Shared = new(TimeProvider.System);

    /// <summary>A new id: fixed length (<see cref="QueueIdGenerator.Length"/>), greater than every id this process made before.</summary>
    public static string New() => Shared.Next();
}
