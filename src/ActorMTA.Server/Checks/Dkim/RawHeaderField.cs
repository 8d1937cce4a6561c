using System.Text;

namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// One header field exactly as it stands in the message: its name, and every byte of it from the name to the CRLF
/// that ends it, folding included. DKIM's "simple" canonicalization hashes these bytes unchanged, so they must be
/// the stored bytes and not a parser's idea of them.
/// </summary>
public readonly record struct RawHeaderField(string Name, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>The value after the colon with its line breaks removed (RFC 5322 section 2.2.3 unfolding).</summary>
    public string UnfoldedValue()
    {
        var span = Bytes.Span;
        var value = span[(span.IndexOf((byte)':') + 1)..];
        return Encoding.UTF8.GetString(value).Replace("\r\n", "").Replace("\n", "").TrimStart(' ', '\t');
    }

    /// <summary>
    /// The fields of a message's header section, in order, and where its body starts (after the empty line; the
    /// message's length when there is none). A line without a colon ends the header section, as it would for any
    /// parser that then treats the rest as body.
    /// </summary>
    public static (List<RawHeaderField> Fields, int BodyStart) Split(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        var fields = new List<RawHeaderField>();
        var start = 0;
        while (start < span.Length)
        {
            if (span[start] == '\r' && start + 1 < span.Length && span[start + 1] == '\n') return (fields, start + 2);
            if (span[start] == '\n') return (fields, start + 1);
            var end = FieldEnd(span, start);
            var colon = span[start..end].IndexOf((byte)':');
            if (colon <= 0) return (fields, start);
            var name = Encoding.ASCII.GetString(span.Slice(start, colon)).TrimEnd(' ', '\t');
            fields.Add(new RawHeaderField(name, message[start..end]));
            start = end;
        }

        return (fields, span.Length);
    }

    /// <summary>Where the field starting at <paramref name="start"/> ends: after the line end that is not followed
    /// by a space or tab (RFC 5322 section 2.2.3 folding), or at the end of <paramref name="span"/>.</summary>
    public static int FieldEnd(ReadOnlySpan<byte> span, int start)
    {
        var i = start;
        while (true)
        {
            var lf = span[i..].IndexOf((byte)'\n');
            if (lf < 0) return span.Length;
            i += lf + 1;
            if (i >= span.Length || (span[i] != ' ' && span[i] != '\t')) return i;
        }
    }
}
