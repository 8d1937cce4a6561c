using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The base subject of RFC 5256 section 2.1, used by SORT SUBJECT and THREAD: the subject without "Re:", "Fwd:",
/// "[blob]" prefixes, "(fwd)" trailers and "[Fwd: ...]" wrapping, with runs of white space made one space.
/// The input is the subject with RFC 2047 encoded-words already decoded.
/// </summary>
public static class BaseSubject
{
    public static string Extract(string? subject) => Extract(subject, out _);

    /// <param name="isReplyOrForward">A "Re:"/"Fw:"/"Fwd:" leader, a "(fwd)" trailer or "[Fwd: ...]" was removed
    /// (RFC 5256 section 3, REFERENCES step 5: such a message is not the start of a thread).</param>
    public static string Extract(string? subject, out bool isReplyOrForward)
    {
        isReplyOrForward = false;
        // (1) Tabs and line breaks are spaces; runs of spaces are one.
        var text = CollapseWhiteSpace(subject ?? "");
        while (true)
        {
            // (2) Trailing "(fwd)" and white space.
            while (true)
            {
                var trimmed = text.TrimEnd(' ');
                if (trimmed.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    text = trimmed[..^5];
                    isReplyOrForward = true;
                    continue;
                }
                text = trimmed;
                break;
            }
            // (5) Repeat (3) and (4) until neither removes anything.
            while (true)
            {
                var before = text;
                // (3) subj-leader: white space, or blobs followed by re/fw/fwd [blob] ":".
                text = RemoveLeaders(text, ref isReplyOrForward);
                // (4) A leading blob goes when something is left after it.
                if (TryBlob(text, 0, out var end) && end < text.Length) text = text[end..];
                if (text == before) break;
            }
            // (6) "[fwd: ...]" wraps the subject: unwrap and start again.
            if (text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text.EndsWith(']'))
            {
                text = text[5..^1];
                isReplyOrForward = true;
                continue;
            }
            return text;
        }
    }

    private static string CollapseWhiteSpace(string subject)
    {
        var builder = new StringBuilder(subject.Length);
        var space = false;
        foreach (var c in subject)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        if (space) builder.Append(' ');
        return builder.ToString();
    }

    private static string RemoveLeaders(string text, ref bool isReplyOrForward)
    {
        while (true)
        {
            if (text.StartsWith(' '))
            {
                text = text.TrimStart(' ');
                continue;
            }
            // *subj-blob subj-refwd
            var position = 0;
            while (TryBlob(text, position, out var afterBlob)) position = afterBlob;
            if (TryRefwd(text, position, out var afterRefwd))
            {
                text = text[afterRefwd..];
                isReplyOrForward = true;
                continue;
            }
            return text;
        }
    }

    /// <summary>subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"</summary>
    private static bool TryRefwd(string text, int start, out int end)
    {
        end = start;
        int i;
        if (StartsWithAt(text, start, "re")) i = start + 2;
        else if (StartsWithAt(text, start, "fwd")) i = start + 3;
        else if (StartsWithAt(text, start, "fw")) i = start + 2;
        else return false;
        while (i < text.Length && text[i] == ' ') i++;
        if (TryBlob(text, i, out var afterBlob)) i = afterBlob;
        if (i >= text.Length || text[i] != ':') return false;
        end = i + 1;
        return true;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP, where BLOBCHAR is anything but "[" and "]".</summary>
    private static bool TryBlob(string text, int start, out int end)
    {
        end = start;
        if (start >= text.Length || text[start] != '[') return false;
        var i = start + 1;
        while (i < text.Length && text[i] is not ('[' or ']')) i++;
        if (i >= text.Length || text[i] != ']') return false;
        i++;
        while (i < text.Length && text[i] == ' ') i++;
        end = i;
        return true;
    }

    private static bool StartsWithAt(string text, int start, string word) =>
        start + word.Length <= text.Length && string.Compare(text, start, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;
}
