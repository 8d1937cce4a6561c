namespace ActorMTA.Protocol.Imap;

/// <summary>
/// An address structure of an ENVELOPE (RFC 3501 section 7.4.2): personal name, source route,
/// mailbox (local part) and host. Group syntax: start of group has <see cref="Host"/> null and the
/// group name in <see cref="Mailbox"/>; end of group has both null.
/// </summary>
public sealed record ImapAddress(string? Name, string? Adl, string? Mailbox, string? Host)
{
    public static ImapAddress GroupStart(string groupName) => new(null, null, groupName, null);

    public static readonly ImapAddress GroupEnd = new(null, null, null, null);
}
