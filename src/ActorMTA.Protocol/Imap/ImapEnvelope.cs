namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The ENVELOPE of a message (RFC 3501 section 7.4.2), computed by the server from the header. Header
/// values are given as they appear in the header (encoded-words are not decoded). Address lists are
/// null for NIL (absent or empty header). Per the RFC the server fills <see cref="Sender"/> and
/// <see cref="ReplyTo"/> from <see cref="From"/> when those headers are absent; this type does not.
/// </summary>
public sealed record ImapEnvelope(
    string? Date,
    string? Subject,
    IReadOnlyList<ImapAddress>? From,
    IReadOnlyList<ImapAddress>? Sender,
    IReadOnlyList<ImapAddress>? ReplyTo,
    IReadOnlyList<ImapAddress>? To,
    IReadOnlyList<ImapAddress>? Cc,
    IReadOnlyList<ImapAddress>? Bcc,
    string? InReplyTo,
    string? MessageId);
