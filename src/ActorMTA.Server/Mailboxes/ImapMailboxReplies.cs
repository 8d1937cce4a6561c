using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

public enum MailboxRefusal : byte
{
    /// <summary>The folder does not exist (IMAP: NO [TRYCREATE] for APPEND/COPY/MOVE targets, NO [NONEXISTENT] otherwise).</summary>
    NoSuchFolder,
    AlreadyExists,
    /// <summary>Empty level, wildcard or control character in the name.</summary>
    InvalidName,
    CannotDeleteInbox,
    /// <summary>The messages would take the mailbox over its storage quota (IMAP NO [OVERQUOTA]).</summary>
    OverQuota,
}

/// <summary>The command was not carried out; nothing changed.</summary>
public sealed record MailboxCommandRefused(string Address, string Folder, MailboxRefusal Reason) : IClusterMessage;

/// <summary>CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE succeeded (persisted).</summary>
public sealed record FolderCommandDone(string Address, string Folder) : IClusterMessage;

/// <param name="Subscriptions">Subscribed names, also of folders that do not exist (LSUB).</param>
public sealed record FolderList(string Address, IReadOnlyList<FolderInfo> Folders, IReadOnlyList<string> Subscriptions) : IClusterMessage;

/// <summary>One folder for LIST/STATUS. <paramref name="Recent"/> counts messages not yet taken by a read-write select.</summary>
public sealed record FolderInfo(string Name, bool Subscribed, string? SpecialUse, bool HasChildren,
    int Messages, int Recent, int Unseen, long Bytes, long UidValidity, long UidNext) : IClusterMessage
{
    public long HighestModSeq { get; init; }

    /// <summary>Messages with \Deleted, and their octets: what an EXPUNGE would free (STATUS DELETED, DELETED-STORAGE).</summary>
    public int Deleted { get; init; }

    public long DeletedBytes { get; init; }
}

/// <param name="Created">Folders created by this command (empty when all existed).</param>
public sealed record SpecialFoldersEnsured(string Address, IReadOnlyList<string> Created) : IClusterMessage;

/// <summary>
/// The SELECT/EXAMINE snapshot. Messages are in sequence order (index + 1 = sequence number); their flags never hold
/// \Recent: a message is \Recent for this session when its uid &gt;= <see cref="RecentFrom"/>.
/// </summary>
/// <param name="FirstUnseen">Sequence number of the first message without \Seen, or null.</param>
/// <param name="Flags">FLAGS: system flags plus keywords in use in the folder.</param>
public sealed record FolderSelected(string Address, string Folder, bool ReadOnly, long UidValidity, long UidNext, long RecentFrom,
    IReadOnlyList<MailboxMessage> Messages, int? FirstUnseen, IReadOnlyList<string> Flags, IReadOnlyList<string> PermanentFlags) : IClusterMessage
{
    public long HighestModSeq { get; init; }

    /// <summary>For a QRESYNC select: uids expunged since the client's mod-sequence, or null when the log does not reach back that far.</summary>
    public IReadOnlyList<long>? VanishedSince { get; init; }

    /// <summary>
    /// How many <see cref="FolderSelectedPart"/>s were sent before this reply: their messages, in part order, come before
    /// <see cref="Messages"/> (0: this reply holds them all). See <see cref="FolderSelectedParts"/>.
    /// </summary>
    public int Parts { get; init; }

    public int Exists => Messages.Count;
    public int Recent => Messages.Count(m => m.Uid >= RecentFrom);
}

/// <summary>
/// A leading slice of a large <see cref="FolderSelected"/>'s messages, sent before it to the same session so that no
/// single message exceeds the remoting frame size (akka.remote.dot-netty.tcp.maximum-frame-size).
/// </summary>
/// <param name="Index">0 for the first part of a reply; the session starts over when it sees 0.</param>
public sealed record FolderSelectedPart(string Address, string Folder, int Index, IReadOnlyList<MailboxMessage> Messages) : IClusterMessage;

public sealed record FolderUnselected(string Address) : IClusterMessage;

/// <summary>The new flags (and mod-sequence) of every requested uid that exists (changed or not), for the untagged FETCH responses.</summary>
public sealed record FlagsStored(string Address, string Folder, IReadOnlyList<FlagChange> Flags) : IClusterMessage
{
    /// <summary>UNCHANGEDSINCE: uids left alone because they changed after the given mod-sequence (not in <see cref="Flags"/>).</summary>
    public IReadOnlyList<long> Modified { get; init; } = [];

    /// <summary>The uids whose flags this command really changed.</summary>
    public IReadOnlyList<long> Changed { get; init; } = [];
}

/// <summary>Expunged uids since a mod-sequence, or null when the log does not reach back that far.</summary>
public sealed record VanishedUids(string Address, IReadOnlyList<long>? Uids, long UidNext) : IClusterMessage;

/// <summary>
/// Messages a session added to the folder it has selected itself (APPEND, COPY, MOVE into it). It gets them in the
/// reply instead of a push, so it can tell its client (EXISTS, RECENT) before the tagged OK.
/// </summary>
/// <param name="RecentUids">The added messages that are \Recent for this session.</param>
public sealed record AddedToSelected(IReadOnlyList<MailboxMessage> Messages, IReadOnlyList<long> RecentUids);

/// <summary>APPENDUID data.</summary>
public sealed record MessageAppendedToFolder(string Address, string Folder, long UidValidity, long Uid) : IClusterMessage
{
    public AddedToSelected? Own { get; init; }
}

/// <summary>The mailbox's storage: octets used in all folders and its quota (null: none).</summary>
public sealed record QuotaStatus(string Address, long UsedBytes, long? LimitBytes) : IClusterMessage;

/// <summary>APPENDUID data of <see cref="AppendMessages"/>: the uids in the order of the messages.</summary>
public sealed record MessagesAppendedToFolder(string Address, string Folder, long UidValidity, IReadOnlyList<long> Uids) : IClusterMessage
{
    public AddedToSelected? Own { get; init; }
}

/// <summary>COPYUID data: SourceUids[i] became TargetUids[i] in <paramref name="To"/>. Uids that did not exist are left out.</summary>
public sealed record MessagesCopied(string Address, string From, string To, long UidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> TargetUids, bool Moved) : IClusterMessage
{
    public AddedToSelected? Own { get; init; }

    /// <summary>The copy went into the \Junk folder from elsewhere (the user calls it spam), or out of it into anything but
    /// \Trash (the user calls it ham): what a spam filter learns from, as Dovecot's IMAPSieve scripts do.</summary>
    public JunkTransfer Junk { get; init; }
}

/// <summary>How a COPY or MOVE crossed the \Junk folder's boundary.</summary>
public enum JunkTransfer
{
    None,
    IntoJunk,
    OutOfJunk,
}

/// <summary>
/// Pushed to every session with <paramref name="Folder"/> selected after a change made by somebody else is persisted.
/// The session counts EXISTS from its own view: the folder may already hold changes the session has not told yet.
/// </summary>
/// <param name="Appended">The added messages (uid order), so the session extends its sequence map without asking.</param>
/// <param name="RecentUids">Added messages that are \Recent for this session (it is the one session that gets them).</param>
/// <param name="ExpungedUids">Messages that are gone (EXPUNGE responses).</param>
/// <param name="FlagChanges">New flags of changed messages (FETCH FLAGS responses).</param>
public sealed record FolderChanged(string Address, string Folder, IReadOnlyList<MailboxMessage> Appended, IReadOnlyList<long> RecentUids,
    IReadOnlyList<long> ExpungedUids, IReadOnlyList<FlagChange> FlagChanges) : IClusterMessage;
