namespace ActorMTA.Protocol.Bounces;

/// <summary>RFC 3463 enhanced status codes ("class.subject.detail", class 2, 4 or 5, the others 0 to 999).</summary>
public static class EnhancedStatus
{
    public static bool TryParse(ReadOnlySpan<char> text, out int @class, out int subject, out int detail)
    {
        @class = subject = detail = 0;
        var first = text.IndexOf('.');
        if (first < 0) return false;
        var rest = text[(first + 1)..];
        var second = rest.IndexOf('.');
        if (second < 0) return false;
        return TryPart(text[..first], 1, out @class) && @class is 2 or 4 or 5
            && TryPart(rest[..second], 3, out subject)
            && TryPart(rest[(second + 1)..], 3, out detail);
    }

    public static bool IsValid(ReadOnlySpan<char> text) => TryParse(text, out _, out _, out _);

    /// <summary>The enhanced status code that starts <paramref name="text"/> (after blanks), as "5.1.1", or null.</summary>
    public static string? Leading(string text)
    {
        var s = text.AsSpan().TrimStart();
        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.')) end++;
        var candidate = s[..end].TrimEnd('.');
        if (end < s.Length && !char.IsWhiteSpace(s[end]) && s[end] is not (';' or ',' or ':' or ')')) return null;
        return IsValid(candidate) ? candidate.ToString() : null;
    }

    private static bool TryPart(ReadOnlySpan<char> s, int maxDigits, out int value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > maxDigits) return false;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
