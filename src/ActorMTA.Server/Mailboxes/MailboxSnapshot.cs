using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>The whole mailbox at one sequence number; immutable so the snapshot store may serialize it later.</summary>
public sealed record MailboxSnapshot(IReadOnlyList<FolderSnapshot> Folders) : IPersistedRecord;

public sealed record FolderSnapshot(string Folder, long UidValidity, long UidNext, IReadOnlyList<MailboxMessage> Messages);
