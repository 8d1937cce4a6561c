namespace ActorMTA.Protocol.Imap;

/// <summary>
/// LIST/LSUB name matching (RFC 3501 section 6.3.8): "*" matches any run of characters, "%" any run
/// without the hierarchy delimiter. INBOX is case-insensitive, also as the first level of a name.
/// </summary>
public static class MailboxPattern
{
    /// <summary>The canonical pattern for a reference and a mailbox argument: the reference prefixes
    /// the pattern (without doubling the delimiter) unless the pattern starts at the root.</summary>
    public static string Combine(string reference, string pattern, char delimiter)
    {
        if (reference.Length == 0) return pattern;
        if (pattern.StartsWith(delimiter)) return pattern;
        return reference + pattern;
    }

    public static bool Matches(string pattern, string name, char delimiter)
    {
        pattern = NormalizeInbox(pattern, delimiter);
        name = NormalizeInbox(name, delimiter);
        // matches[j]: pattern[..i] matches name[..j]; rows over the pattern.
        var matches = new bool[name.Length + 1];
        matches[0] = true;
        foreach (var p in pattern)
        {
            var next = new bool[name.Length + 1];
            switch (p)
            {
                case '*':
                    next[0] = matches[0];
                    for (var j = 1; j <= name.Length; j++) next[j] = matches[j] || next[j - 1];
                    break;
                case '%':
                    next[0] = matches[0];
                    for (var j = 1; j <= name.Length; j++) next[j] = matches[j] || (next[j - 1] && name[j - 1] != delimiter);
                    break;
                default:
                    for (var j = 1; j <= name.Length; j++) next[j] = matches[j - 1] && name[j - 1] == p;
                    break;
            }
            matches = next;
        }
        return matches[name.Length];
    }

    private static string NormalizeInbox(string value, char delimiter)
    {
        if (value.Length >= 5 && value.AsSpan(0, 5).Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            && (value.Length == 5 || value[5] == delimiter))
            return "INBOX" + value[5..];
        return value;
    }
}
