namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// One esmtp-param of MAIL FROM / RCPT TO (RFC 5321 section 4.1.2): keyword, upper-cased, and an optional value.
/// </summary>
public readonly record struct SmtpParameter(string Keyword, string? Value)
{
    /// <summary>Splits the text after the path into parameters; false when any of them is malformed.</summary>
    public static bool TryParseList(string text, out IReadOnlyList<SmtpParameter> parameters)
    {
        var list = new List<SmtpParameter>();
        parameters = list;
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = token.IndexOf('=');
            var keyword = equals < 0 ? token : token[..equals];
            var value = equals < 0 ? null : token[(equals + 1)..];
            if (!IsKeyword(keyword) || (value is not null && !IsValue(value))) return false;
            list.Add(new SmtpParameter(keyword.ToUpperInvariant(), value));
        }
        return true;
    }

    // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    private static bool IsKeyword(string keyword) =>
        keyword.Length > 0
        && char.IsAsciiLetterOrDigit(keyword[0])
        && keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    // esmtp-value = 1*(%d33-60 / %d62-126), extended with UTF-8 by RFC 6531.
    private static bool IsValue(string value) =>
        value.Length > 0 && value.All(c => c is >= (char)33 and <= (char)126 and not '=' || c > 127);
}
