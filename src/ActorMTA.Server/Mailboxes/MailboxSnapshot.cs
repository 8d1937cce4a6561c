using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>The whole mailbox at one sequence number; immutable so the snapshot store may serialize it later.</summary>
public sealed record MailboxSnapshot(IReadOnlyList<FolderSnapshot> Folders) : IPersistedRecord
{
    /// <summary>Subscribed folder names (LSUB), existing or not. Layout MS2 on.</summary>
    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>The highest UIDVALIDITY ever handed out, so a re-created name never gets an old value. Layout MS2 on.</summary>
    public long LastUidValidity { get; init; }

    /// <summary>The RFC 7162 change counter (<see cref="MailboxState.HighestModSeq"/>). Layout MS3 on.</summary>
    public long HighestModSeq { get; init; }

    /// <summary>Delivery events derived from journaled appends but not yet confirmed written by the event log (layout MS4):
    /// the snapshot stands in for the events it covers, so it carries these or nobody could derive them again.</summary>
    public IReadOnlyList<Observability.Events.OutboxEntry> Unpublished { get; init; } = [];
}

public sealed record FolderSnapshot(string Folder, long UidValidity, long UidNext, IReadOnlyList<MailboxMessage> Messages)
{
    /// <summary>Layout MS2 on; MS1 folders read as 1 (everything recent until a session selects read-write).</summary>
    public long RecentBoundary { get; init; } = 1;

    public string? SpecialUse { get; init; }

    /// <summary>Layout MS3 on (with each message's ModSeq); earlier layouts read as 0, taken as 1.</summary>
    public long HighestModSeq { get; init; }

    public long VanishedFloor { get; init; }

    /// <summary>Remembered expunges for QRESYNC, oldest first. Layout MS3 on.</summary>
    public IReadOnlyList<(long Uid, long ModSeq)> Vanished { get; init; } = [];
}
