using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// HEADER.FIELDS / HEADER.FIELDS.NOT subsetting of a raw header block (RFC 3501 section 6.4.5): the
/// chosen fields exactly as stored, folded continuation lines included, in their original order,
/// followed by the blank line that ends the header when the block has one. Field names match
/// case-insensitively. Works on bytes; line ends are kept as stored (CRLF or LF).
/// </summary>
public static class HeaderFieldFilter
{
    /// <param name="header">The header block, from the first field up to and including the blank line
    /// (or to the end of the message when it has no body).</param>
    /// <param name="fieldNames">The requested names.</param>
    /// <param name="exclude">HEADER.FIELDS.NOT: keep every field whose name is not listed.</param>
    public static byte[] Select(ReadOnlySpan<byte> header, IReadOnlyCollection<string> fieldNames, bool exclude)
    {
        var names = new HashSet<string>(fieldNames, StringComparer.OrdinalIgnoreCase);
        var output = new List<byte>(header.Length);
        var keep = false;
        var position = 0;
        while (position < header.Length)
        {
            var rest = header[position..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..(newline + 1)];
            position += line.Length;

            if (IsBlank(line))
            {
                output.AddRange(line);
                break;
            }
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? "" : Encoding.ASCII.GetString(line[..colon]).TrimEnd(' ', '\t');
                keep = names.Contains(name) != exclude;
            }
            // A continuation line belongs to the field above it (a stray one before any field to none).
            if (keep) output.AddRange(line);
        }
        return [.. output];
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) =>
        line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8);
}
