using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// Stores a delivered message in INBOX. Answered with <see cref="MailboxDelivered"/> once persisted.
/// The mailbox takes over <paramref name="ContentRef"/> (one reference per mailbox entry).
/// Sending the same QueueId + ContentRef again does not add a second entry.
/// </summary>
public sealed record DeliverToMailbox(string Address, string QueueId, string ContentRef, long Size, DateTimeOffset InternalDate, long CorrelationId) : IMailboxCommand
{
    /// <summary>
    /// Idempotent per QueueId whatever the ContentRef: when the mailbox already holds the message, nothing is
    /// added, the existing uid is the answer and this ContentRef is released. Set for generated messages (bounces)
    /// that may be written again with a new content reference after a restart.
    /// </summary>
    public bool OncePerQueueId { get; init; }

    /// <summary>
    /// Deliver into the folder with the \Junk special use (created, as "Junk", when the mailbox has none yet) instead of
    /// INBOX: the spam verdict or a DMARC p=quarantine said so.
    /// </summary>
    public bool ToJunk { get; init; }

    /// <summary>How the message came in, for its delivery events; journaled with the append. Null while the sending
    /// node writes no events (then nothing is derived).</summary>
    public DeliveryEnvelope? Envelope { get; init; }
}

public sealed record MailboxDelivered(string Address, long CorrelationId, long Uid) : IClusterMessage;

/// <summary>
/// Takes back what <see cref="DeliverToMailbox"/> stored for a transaction that failed afterwards
/// (the client gets 451, so nothing may stay half-delivered). Releases the content reference.
/// Answered with <see cref="DeliveryRetracted"/> also when there was nothing to retract.
/// </summary>
public sealed record RetractDelivery(string Address, string QueueId, long CorrelationId) : IMailboxCommand;

public sealed record DeliveryRetracted(string Address, string QueueId, long CorrelationId) : IClusterMessage;

/// <summary>The messages of one folder ordered by uid (no persistence, no content reads).</summary>
public sealed record GetMaildrop(string Address, string Folder = MailboxFolders.Inbox) : IMailboxCommand
{
    /// <summary>
    /// Leave out each message's IMAP structure blob (POP3 needs none): a 20,000-message maildrop is then ~1.5 MB
    /// instead of ~18 MB, within the remoting frame when the mailbox lives on another node.
    /// </summary>
    public bool WithoutStructures { get; init; }
}

public sealed record Maildrop(string Address, IReadOnlyList<MailboxMessage> Messages) : IClusterMessage;

/// <summary>
/// Removes messages for good (POP3 QUIT, IMAP EXPUNGE). Answered with <see cref="MessagesExpunged"/>
/// after the removal is persisted; the content references are released after that.
/// Uids that do not exist are ignored (another session expunged them first).
/// </summary>
public sealed record ExpungeMessages(string Address, string Folder, IReadOnlyList<long> Uids, long CorrelationId) : IMailboxCommand;

/// <param name="Uids">The uids that were actually removed.</param>
public sealed record MessagesExpunged(string Address, string Folder, IReadOnlyList<long> Uids, long CorrelationId) : IClusterMessage;

public sealed record GetMailboxStats(string Address) : IMailboxCommand;

public sealed record MailboxStats(string Address, IReadOnlyList<FolderStats> Folders) : IClusterMessage;

/// <param name="UidValidity">0 while the folder has never been written to.</param>
public sealed record FolderStats(string Folder, int Messages, long Bytes, long UidValidity, long UidNext);
