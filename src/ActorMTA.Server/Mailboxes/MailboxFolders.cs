namespace ActorMTA.Server.Mailboxes;

public static class MailboxFolders
{
    public const string Inbox = "INBOX";

    /// <summary>The IMAP hierarchy delimiter.</summary>
    public const char Delimiter = '/';

    /// <summary>INBOX is case-insensitive (RFC 3501 §5.1); every other name is kept as given (modified UTF-7 verbatim).</summary>
    public static string Normalize(string folder) =>
        string.Equals(folder, Inbox, StringComparison.OrdinalIgnoreCase) ? Inbox : folder;

    /// <summary>A name a folder may be created under: not empty, no empty hierarchy level, no LIST wildcards.</summary>
    public static bool IsValidName(string folder) =>
        folder.Length > 0 && !folder.StartsWith(Delimiter) && !folder.EndsWith(Delimiter)
        && !folder.Contains("//", StringComparison.Ordinal) && folder.IndexOfAny(['*', '%', '\r', '\n', '\0']) < 0;

    /// <summary>"a/b/c" → "a", "a/b" (the levels a CREATE of "a/b/c" brings into existence too).</summary>
    public static IEnumerable<string> Ancestors(string folder)
    {
        for (var i = folder.IndexOf(Delimiter); i > 0; i = folder.IndexOf(Delimiter, i + 1))
            yield return folder[..i];
    }

    public static bool IsBelow(string folder, string parent) =>
        folder.Length > parent.Length + 1 && folder[parent.Length] == Delimiter && folder.StartsWith(parent, StringComparison.Ordinal);
}
