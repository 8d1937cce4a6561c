namespace ActorMTA.Server.Mailboxes;

/// <summary>IMAP flag names the mailbox gives a meaning to.</summary>
public static class MailboxFlags
{
    public const string Seen = "\\Seen";
    public const string Answered = "\\Answered";
    public const string Flagged = "\\Flagged";
    public const string Deleted = "\\Deleted";
    public const string Draft = "\\Draft";
    /// <summary>Session-scoped (derived from the folder's recent boundary), never stored on a message.</summary>
    public const string Recent = "\\Recent";

    public static readonly IReadOnlyList<string> System = [Answered, Flagged, Deleted, Seen, Draft];

    /// <summary>PERMANENTFLAGS: every system flag except \Recent, and clients may create keywords (\*).</summary>
    public static readonly IReadOnlyList<string> Permanent = [Answered, Flagged, Deleted, Seen, Draft, "\\*"];

    /// <summary>The storable part of a client's flag list (\Recent cannot be set by a client, RFC 3501 §2.3.2).</summary>
    public static IEnumerable<string> Storable(IEnumerable<string> flags) =>
        flags.Where(f => !string.Equals(f, Recent, StringComparison.OrdinalIgnoreCase));
}
