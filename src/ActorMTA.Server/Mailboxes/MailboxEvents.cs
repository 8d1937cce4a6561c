using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>Journal events of the Mailbox entity. Never change a persisted shape: add a new event or manifest version.</summary>
public interface IMailboxEvent : IPersistedRecord;

/// <summary>A folder came into existence with its UIDVALIDITY (IMAP clients cache uids against it).</summary>
public sealed record FolderCreated(string Folder, long UidValidity) : IMailboxEvent;

/// <summary>A message was added to a folder under <see cref="Uid"/> (the folder's UIDNEXT becomes Uid + 1).</summary>
public sealed record MessageAppended(string Folder, long Uid, string MessageId, string ContentRef, long Size, DateTimeOffset InternalDate, IReadOnlySet<string> Flags) : IMailboxEvent;

public enum RemovalReason : byte
{
    /// <summary>The delivering transaction failed after the entry was stored.</summary>
    Retracted = 1,
    /// <summary>The user deleted the messages (POP3 DELE + QUIT, IMAP EXPUNGE).</summary>
    Expunged = 2,
}

public sealed record MessagesRemoved(string Folder, IReadOnlyList<long> Uids, RemovalReason Reason) : IMailboxEvent;
