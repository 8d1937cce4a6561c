using System.Text;

namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>What <see cref="SmtpReplyAssembler.Add"/> made of one line.</summary>
public enum ReplyLineStatus
{
    /// <summary>A "code-" continuation line was stored; the reply is not complete yet.</summary>
    Incomplete,

    /// <summary>The final "code " line arrived; the reply is complete.</summary>
    Complete,

    /// <summary>Not a reply line, or a code different from the earlier lines of the same reply.</summary>
    Malformed,
}

/// <summary>
/// Assembles server reply lines into <see cref="SmtpReply"/> values (RFC 5321 section 4.2): "xyz-text"
/// continues a reply, "xyz text" (or a bare "xyz") ends it, every line of a reply has the same code.
/// A leading RFC 3463 enhanced status code whose class matches the reply code is taken out of the text
/// (RFC 2034 repeats it on every line). One instance per connection.
/// </summary>
public sealed class SmtpReplyAssembler
{
    private readonly List<string> _lines = [];
    private int _code;

    /// <summary>True while a multi-line reply has started but not ended.</summary>
    public bool IsPending => _lines.Count > 0;

    /// <param name="line">One line without CRLF (a stray trailing CR is tolerated).</param>
    /// <param name="reply">The whole reply when the status is <see cref="ReplyLineStatus.Complete"/>.</param>
    public ReplyLineStatus Add(ReadOnlySpan<byte> line, out SmtpReply? reply)
    {
        reply = null;
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (!TryParseCode(line, out var lineCode) || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
        {
            _lines.Clear();
            return ReplyLineStatus.Malformed;
        }
        if (IsPending && lineCode != _code)
        {
            _lines.Clear();
            return ReplyLineStatus.Malformed;
        }

        _code = lineCode;
        _lines.Add(line.Length > 4 ? Decode(line[4..]) : "");
        if (line.Length > 3 && line[3] == (byte)'-') return ReplyLineStatus.Incomplete;

        reply = Build(_code, _lines);
        _lines.Clear();
        return ReplyLineStatus.Complete;
    }

    /// <summary>Forgets a partly received reply (the connection is being abandoned).</summary>
    public void Reset() => _lines.Clear();

    // Reply codes are 2yz-5yz with y in 0-5 (RFC 5321 section 4.2.1); 1yz is not used by SMTP.
    private static bool TryParseCode(ReadOnlySpan<byte> line, out int value)
    {
        value = 0;
        if (line.Length < 3) return false;
        if (line[0] is < (byte)'2' or > (byte)'5') return false;
        if (line[1] is < (byte)'0' or > (byte)'5') return false;
        if (line[2] is < (byte)'0' or > (byte)'9') return false;
        value = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        return true;
    }

    // Reply text is meant to be ASCII (UTF-8 with SMTPUTF8); anything else is only ever logged, so
    // invalid bytes become U+FFFD rather than failing the session. A CR inside would let the text forge
    // reply lines when the reply is written out again.
    private static string Decode(ReadOnlySpan<byte> text) =>
        Encoding.UTF8.GetString(text).Replace('\r', ' ').Replace('\n', ' ');

    private static SmtpReply Build(int code, List<string> lines)
    {
        var enhanced = EnhancedCodeOf(code, lines[0]);
        if (enhanced is null) return new SmtpReply(code, null, lines);
        var prefix = enhanced + " ";
        var texts = lines.Select(l =>
            l == enhanced ? "" : l.StartsWith(prefix, StringComparison.Ordinal) ? l[prefix.Length..] : l).ToList();
        return new SmtpReply(code, enhanced, texts);
    }

    // RFC 3463: class "." subject "." detail, class equal to the first digit of the reply code, subject
    // and detail 1-3 digits without a leading zero (except "0" itself).
    private static string? EnhancedCodeOf(int code, string text)
    {
        var space = text.IndexOf(' ');
        var candidate = space < 0 ? text : text[..space];
        var parts = candidate.Split('.');
        if (parts.Length != 3) return null;
        if (parts[0] != ((char)('0' + code / 100)).ToString()) return null;
        return IsNumberPart(parts[1]) && IsNumberPart(parts[2]) ? candidate : null;
    }

    private static bool IsNumberPart(string part) =>
        part.Length is >= 1 and <= 3 && part.All(char.IsAsciiDigit) && (part.Length == 1 || part[0] != '0');
}
