using Akka.Actor;

namespace ActorMTA.Server.Mailboxes;

// Commands of an IMAP session. Every reply is sent after the events it reports are persisted.
// A command that cannot be carried out is answered with MailboxCommandRefused instead.
// Session: the IMAP session actor sending the command (or null); it gets the reply but no FolderChanged for its own change
// (messages it adds to its own selected folder come in the reply: AddedToSelected).

/// <summary>Creates a folder (and any missing parent level, "a/b/c" → "a", "a/b"). A trailing "/" is ignored. Answered with <see cref="FolderCommandDone"/>.</summary>
public sealed record CreateFolder(string Address, string Folder) : IMailboxCommand;

/// <summary>Deletes a folder with its messages (content released after persist); folders below it stay. INBOX is refused.</summary>
public sealed record DeleteFolder(string Address, string Folder) : IMailboxCommand;

/// <summary>
/// Renames a folder and the folders below it. Renaming INBOX moves its messages into a new folder
/// <paramref name="To"/> and leaves INBOX empty (RFC 3501 §6.3.5). Answered with <see cref="FolderCommandDone"/> (Folder = To).
/// </summary>
public sealed record RenameFolder(string Address, string From, string To) : IMailboxCommand;

public sealed record SubscribeFolder(string Address, string Folder) : IMailboxCommand;

public sealed record UnsubscribeFolder(string Address, string Folder) : IMailboxCommand;

/// <summary>Answered with <see cref="FolderList"/> (no persistence, no content reads).</summary>
public sealed record ListFolders(string Address) : IMailboxCommand;

/// <summary>STATUS of one folder: answered with <see cref="FolderInfo"/> or refused (NoSuchFolder).</summary>
public sealed record GetFolderStatus(string Address, string Folder) : IMailboxCommand;

/// <summary>Creates INBOX's UIDVALIDITY and Sent, Drafts, Trash, Junk with their special-use attributes where missing. Idempotent. Answered with <see cref="SpecialFoldersEnsured"/>.</summary>
public sealed record EnsureSpecialFolders(string Address) : IMailboxCommand;

/// <summary>
/// SELECT (ReadOnly = false) or EXAMINE: registers <paramref name="Session"/> for <see cref="FolderChanged"/> pushes of this folder
/// (replacing any folder it had selected before; the mailbox watches it) and answers with <see cref="FolderSelected"/>.
/// A read-write select takes the folder's recent messages for this session: later sessions do not see them as \Recent.
/// </summary>
public sealed record SelectFolder(string Address, string Folder, IActorRef Session, bool ReadOnly = false) : IMailboxCommand
{
    /// <summary>QRESYNC (RFC 7162): the client's cached mod-sequence; the reply then carries <see cref="FolderSelected.VanishedSince"/>.</summary>
    public long? VanishedSince { get; init; }
}

/// <summary>CLOSE/UNSELECT/LOGOUT: no more pushes to <paramref name="Session"/>. Answered with <see cref="FolderUnselected"/>.</summary>
public sealed record UnselectFolder(string Address, IActorRef Session) : IMailboxCommand;

public enum FlagStoreMode : byte { Add, Remove, Replace }

/// <summary>STORE/UID STORE. Uids that do not exist are skipped. Answered with <see cref="FlagsStored"/>.</summary>
public sealed record StoreFlags(string Address, string Folder, IReadOnlyList<long> Uids, FlagStoreMode Mode, IReadOnlyCollection<string> Flags, IActorRef? Session = null) : IMailboxCommand
{
    /// <summary>CONDSTORE's UNCHANGEDSINCE (RFC 7162 section 3.1.3): messages changed after it are left alone (<see cref="FlagsStored.Modified"/>).</summary>
    public long? UnchangedSince { get; init; }
}

/// <summary>QRESYNC's UID FETCH ... (VANISHED): uids of the folder expunged after <paramref name="Since"/>. Answered with <see cref="VanishedUids"/>.</summary>
public sealed record GetVanished(string Address, string Folder, long Since) : IMailboxCommand;

/// <summary>
/// APPEND. The mailbox takes over <paramref name="ContentRef"/> (released if the append is refused).
/// \Recent in <paramref name="Flags"/> is ignored. Answered with <see cref="MessageAppendedToFolder"/> (APPENDUID data).
/// </summary>
public sealed record AppendMessage(string Address, string Folder, string QueueId, string ContentRef, long Size, DateTimeOffset InternalDate,
    IReadOnlyCollection<string> Flags, IActorRef? Session = null) : IMailboxCommand;

/// <summary>
/// GETQUOTA/GETQUOTAROOT, and SMTP RCPT when quotas are configured. Answered with <see cref="QuotaStatus"/>, or refused
/// (NoSuchFolder) when <paramref name="Folder"/> is given and does not exist (GETQUOTAROOT of a missing mailbox).
/// </summary>
public sealed record GetQuota(string Address, string? Folder = null) : IMailboxCommand;

/// <summary>One message of <see cref="AppendMessages"/>.</summary>
public sealed record AppendedMessage(string QueueId, string ContentRef, long Size, DateTimeOffset InternalDate, IReadOnlyCollection<string> Flags);

/// <summary>
/// APPEND of several messages at once (MULTIAPPEND, RFC 3502): all are added, under consecutive uids, or none is (the
/// references are then released). Answered with <see cref="MessagesAppendedToFolder"/>.
/// </summary>
public sealed record AppendMessages(string Address, string Folder, IReadOnlyList<AppendedMessage> Messages, IActorRef? Session = null) : IMailboxCommand;

/// <summary>COPY/UID COPY: each copy gets its own content reference (<c>IContentStore.AddReference</c>, bytes shared). Answered with <see cref="MessagesCopied"/>.</summary>
public sealed record CopyMessages(string Address, string From, IReadOnlyList<long> Uids, string To, IActorRef? Session = null) : IMailboxCommand;

/// <summary>MOVE/UID MOVE: copy + expunge in one persisted step (the content reference moves along). Answered with <see cref="MessagesCopied"/> (Moved = true).</summary>
public sealed record MoveMessages(string Address, string From, IReadOnlyList<long> Uids, string To, IActorRef? Session = null) : IMailboxCommand;

/// <summary>EXPUNGE (Uids null) or UID EXPUNGE (only these uids): removes the folder's \Deleted messages. Answered with <see cref="MessagesExpunged"/>.</summary>
public sealed record ExpungeDeleted(string Address, string Folder, IReadOnlyList<long>? Uids = null, IActorRef? Session = null, long CorrelationId = 0) : IMailboxCommand;

/// <summary>Keeps the IMAP structure blob computed for a message (no reply; unknown uids are ignored).</summary>
public sealed record StoreMessageStructure(string Address, string Folder, long Uid, byte[] Structure) : IMailboxCommand;

/// <summary>
/// <paramref name="Session"/> has told its client that these messages are expunged (or dropped its view): their content,
/// kept readable while a selected session could still fetch it, may be released once no other view holds it. No reply.
/// </summary>
public sealed record ReleaseViewedContent(string Address, IActorRef Session, IReadOnlyList<string> ContentRefs) : IMailboxCommand;
