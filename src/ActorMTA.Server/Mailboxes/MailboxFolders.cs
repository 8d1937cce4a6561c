namespace ActorMTA.Server.Mailboxes;

public static class MailboxFolders
{
    public const string Inbox = "INBOX";

    /// <summary>INBOX is case-insensitive (RFC 3501 §5.1); every other name is kept as given.</summary>
    public static string Normalize(string folder) =>
        string.Equals(folder, Inbox, StringComparison.OrdinalIgnoreCase) ? Inbox : folder;
}
