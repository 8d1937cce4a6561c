using System.Text;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// An SMTP reply as the load session needs it: the code, and for a failure the key it is counted
/// under (`451 4.3.0`, or `421` without an enhanced status code).
/// </summary>
internal readonly record struct SmtpReply(int Code, string? ErrorKey)
{
    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>Reads one (possibly multi-line) reply; <paramref name="lines"/> receives each line's text after the code.</summary>
    public static async ValueTask<SmtpReply> ReadAsync(LoadConnection connection, List<string>? lines = null)
    {
        while (true)
        {
            var line = await connection.ReadLineAsync();
            var span = line.Span;
            if (span.Length < 3 || !char.IsAsciiDigit((char)span[0]) || !char.IsAsciiDigit((char)span[1]) || !char.IsAsciiDigit((char)span[2])
                || (span.Length > 3 && span[3] != ' ' && span[3] != '-'))
                throw new LoadException("protocol", $"not an SMTP reply: '{Printable(span)}'");
            var code = (span[0] - '0') * 100 + (span[1] - '0') * 10 + (span[2] - '0');
            lines?.Add(span.Length > 4 ? Encoding.ASCII.GetString(span[4..]) : "");
            if (span.Length == 3 || span[3] == ' ')
                return new SmtpReply(code, code >= 400 ? KeyOf(code, span) : null);
        }
    }

    /// <summary>`451 4.3.0` when the text starts with an enhanced status code of the same class, else `451`.</summary>
    public static string KeyOf(int code, ReadOnlySpan<byte> line)
    {
        if (line.Length > 4)
        {
            var text = line[4..];
            var end = text.IndexOf((byte)' ');
            var first = end < 0 ? text : text[..end];
            if (first.Length is >= 5 and <= 9 && first[0] == (byte)('0' + code / 100) && first[1] == '.' && IsEnhanced(first))
                return $"{code} {Encoding.ASCII.GetString(first)}";
        }
        return code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsEnhanced(ReadOnlySpan<byte> s)
    {
        var dots = 0;
        foreach (var b in s)
        {
            if (b == '.') dots++;
            else if (b is < (byte)'0' or > (byte)'9') return false;
        }
        return dots == 2 && s[^1] != '.';
    }

    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.ASCII.GetString(bytes.Length > 120 ? bytes[..120] : bytes);
        return new string(text.Select(c => c is >= ' ' and < (char)127 ? c : '?').ToArray());
    }
}
