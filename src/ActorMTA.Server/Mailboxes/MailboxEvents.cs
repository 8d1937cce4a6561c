using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>Journal events of the Mailbox entity. Never change a persisted shape: add a new event or manifest version.</summary>
public interface IMailboxEvent : IPersistedRecord;

/// <summary>A folder came into existence with its UIDVALIDITY (IMAP clients cache uids against it).</summary>
public sealed record FolderCreated(string Folder, long UidValidity) : IMailboxEvent
{
    /// <summary>The RFC 6154 attribute (<see cref="SpecialUse"/>), or null for an ordinary folder. Written from layout MF2 on.</summary>
    public string? SpecialUse { get; init; }
}

/// <summary>A message was added to a folder under <see cref="Uid"/> (the folder's UIDNEXT becomes Uid + 1).</summary>
public sealed record MessageAppended(string Folder, long Uid, string QueueId, string ContentRef, long Size, DateTimeOffset InternalDate, IReadOnlySet<string> Flags) : IMailboxEvent
{
    /// <summary>Set for a delivered message while the node writes delivery events (layout MA2): what its Reception and
    /// Delivery events are derived from. Null for IMAP APPEND/COPY/MOVE and in layout MA1.</summary>
    public DeliveryEnvelope? Envelope { get; init; }
}

public enum RemovalReason : byte
{
    /// <summary>The delivering transaction failed after the entry was stored.</summary>
    Retracted = 1,
    /// <summary>The user deleted the messages (POP3 DELE + QUIT, IMAP EXPUNGE).</summary>
    Expunged = 2,
}

public sealed record MessagesRemoved(string Folder, IReadOnlyList<long> Uids, RemovalReason Reason) : IMailboxEvent;

/// <summary>A folder and its messages are gone; their content references are released after this is persisted.</summary>
public sealed record FolderDeleted(string Folder) : IMailboxEvent;

/// <summary>
/// A folder (and every folder below it, "From/...") now has another name. Messages, uids and UIDVALIDITY go
/// with it: every UIDVALIDITY of a mailbox is distinct, so the new name never shows a value it had before.
/// Renaming INBOX is not this event (it is <see cref="FolderCreated"/> + <see cref="MessagesMoved"/>).
/// </summary>
public sealed record FolderRenamed(string From, string To) : IMailboxEvent;

/// <summary>LSUB state; independent of whether the folder exists (RFC 3501 §6.3.6).</summary>
public sealed record FolderSubscriptionChanged(string Folder, bool Subscribed) : IMailboxEvent;

/// <summary>The complete new flag set of each listed message (not a delta: replay is idempotent).</summary>
public sealed record MessageFlagsSet(string Folder, IReadOnlyList<FlagChange> Changes) : IMailboxEvent;

/// <summary>
/// Messages with uid &gt;= <see cref="Boundary"/> are \Recent for the next session that selects the folder;
/// moved when a session selects read-write (or is handed new messages as recent while it has the folder selected).
/// </summary>
public sealed record RecentBoundaryMoved(string Folder, long Boundary) : IMailboxEvent;

/// <summary>
/// IMAP MOVE in one step: each message leaves <see cref="From"/> and appears in <see cref="To"/> under the
/// uid at the same index of <see cref="ToUids"/>, keeping its content reference, flags and structure.
/// </summary>
public sealed record MessagesMoved(string From, string To, IReadOnlyList<long> FromUids, IReadOnlyList<long> ToUids) : IMailboxEvent;

/// <summary>The IMAP ENVELOPE/BODYSTRUCTURE blob computed once for a message (opaque to the mailbox).</summary>
public sealed record MessageStructureComputed(string Folder, long Uid, byte[] Structure) : IMailboxEvent;
