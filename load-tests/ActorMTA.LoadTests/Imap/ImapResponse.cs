using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Imap;

/// <summary>
/// One IMAP server response with its literals: <see cref="Text"/> is every line of it joined, each
/// literal replaced by <c>{n}</c>; the literals' bytes are kept only when asked (small header
/// fetches) and otherwise only counted (message bodies).
/// </summary>
internal sealed partial class ImapResponse
{
    private ImapResponse(string text, List<byte[]> literals, long literalBytes)
    {
        Text = text;
        Literals = literals;
        LiteralBytes = literalBytes;
        var space = text.IndexOf(' ');
        Tag = space < 0 ? text : text[..space];
        Rest = space < 0 ? "" : text[(space + 1)..];
    }

    /// <summary>`*` for untagged data, `+` for a continuation request, else the command's tag.</summary>
    public string Tag { get; }
    public string Text { get; }
    /// <summary>The text after the tag.</summary>
    public string Rest { get; }
    public List<byte[]> Literals { get; }
    public long LiteralBytes { get; }

    /// <summary>OK, NO, BAD, BYE or PREAUTH for status responses; otherwise the first word after the tag.</summary>
    public string Status => Rest.Split(' ', 2)[0].ToUpperInvariant();

    /// <summary>The number of an untagged `* n EXISTS`, or null.</summary>
    public int? Exists =>
        Tag == "*" && Rest.EndsWith(" EXISTS", StringComparison.OrdinalIgnoreCase)
        && int.TryParse(Rest.AsSpan(0, Rest.Length - 7), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The UID of an untagged FETCH response, or null.</summary>
    public long? FetchUid
    {
        get
        {
            if (Tag != "*" || !Rest.Contains(" FETCH ", StringComparison.OrdinalIgnoreCase)) return null;
            var m = UidPattern().Match(Rest);
            return m.Success ? long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
        }
    }

    public static async ValueTask<ImapResponse> ReadAsync(LoadConnection connection, bool keepLiterals)
    {
        var text = new StringBuilder();
        var literals = new List<byte[]>();
        long literalBytes = 0;
        while (true)
        {
            var line = Encoding.UTF8.GetString((await connection.ReadLineAsync()).Span);
            var m = LiteralPattern().Match(line);
            if (!m.Success)
            {
                text.Append(line);
                return new ImapResponse(text.ToString(), literals, literalBytes);
            }
            var size = long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            text.Append(line.AsSpan(0, m.Index)).Append('{').Append(size).Append('}');
            var keep = keepLiterals && size <= 1024 * 1024;
            var bytes = await connection.ReadExactAsync(size, keep);
            if (bytes is not null) literals.Add(bytes);
            literalBytes += size;
        }
    }

    [GeneratedRegex(@"\{(\d{1,12})\+?\}$")]
    private static partial Regex LiteralPattern();

    [GeneratedRegex(@"\bUID (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex UidPattern();
}
