using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>
/// Finds sections in raw message bytes by plain text search (blank lines, known boundaries), without any
/// MIME parser, so the expectations of the tests do not share code or assumptions with what they test.
/// </summary>
internal sealed class RawSlices(byte[] raw)
{
    // Latin-1 maps every byte to one char, so string indexes are byte offsets.
    private readonly string text = Encoding.Latin1.GetString(raw);

    public int Length => raw.Length;

    public (int Start, int End) All => (0, raw.Length);

    /// <summary>A header block starting at <paramref name="start"/>, up to and including its blank line.</summary>
    public (int Start, int End) HeaderAt(int start)
    {
        if (text.AsSpan(start).StartsWith("\r\n")) return (start, start + 2);
        var blank = text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
        return (start, blank + 4);
    }

    /// <summary>The parts of a multipart body in [start, end): each from after its delimiter line to before
    /// the CRLF that precedes the next delimiter.</summary>
    public List<(int Start, int End)> Parts(int start, int end, string boundary)
    {
        var delimiter = "--" + boundary;
        var position = text.AsSpan(start).StartsWith(delimiter) ? start : text.IndexOf("\r\n" + delimiter, start, StringComparison.Ordinal) + 2;
        var parts = new List<(int, int)>();
        while (position < end && !text.AsSpan(position + delimiter.Length).StartsWith("--"))
        {
            var partStart = text.IndexOf("\r\n", position, StringComparison.Ordinal) + 2;
            var next = text.IndexOf("\r\n" + delimiter, partStart, StringComparison.Ordinal);
            parts.Add((partStart, next));
            position = next + 2;
        }
        return parts;
    }

    public byte[] Bytes((int Start, int End) range) => raw[range.Start..range.End];

    /// <summary>Lines of a section: every line break plus a last line without one.</summary>
    public int Lines((int Start, int End) range)
    {
        var section = text[range.Start..range.End];
        var breaks = section.Split("\n").Length - 1;
        return section.Length > 0 && !section.EndsWith('\n') ? breaks + 1 : breaks;
    }

    /// <summary>HEADER.FIELDS by regular expression: each named field with its continuation lines, in order,
    /// then the blank line.</summary>
    public byte[] HeaderFields((int Start, int End) header, bool exclude, params string[] names)
    {
        var block = text[header.Start..header.End];
        var fields = Regex.Matches(block, @"^([^:\r\n]+):.*\r\n(?:[ \t].*\r\n)*", RegexOptions.Multiline);
        var kept = fields.Where(f => names.Contains(f.Groups[1].Value.Trim(), StringComparer.OrdinalIgnoreCase) != exclude);
        return Encoding.Latin1.GetBytes(string.Concat(kept.Select(f => f.Value)) + "\r\n");
    }
}
