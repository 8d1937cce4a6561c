namespace ActorMTA.Protocol.Imap;

/// <summary>One message of an APPEND (several with MULTIAPPEND, RFC 3502): its flags (empty when none were given),
/// its date-time (null: now) and its literal.</summary>
public sealed record ImapAppendItem(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ImapAppendMessage Message);
