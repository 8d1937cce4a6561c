namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// RFC 6376 section 3.4: the "simple" and "relaxed" canonicalizations of header fields and of the body, over the
/// message's own bytes. Written out here only so that rsa-sha256 can be checked with the platform's RSA (see
/// <see cref="DkimRsaSha256Verifier"/>); its results are tested against MimeKit's verifier on the same messages.
/// </summary>
public static class DkimCanonicalization
{
    /// <summary>A header field as it enters the header hash, its CRLF included.</summary>
    public static void Header(ReadOnlySpan<byte> field, bool relaxed, Stream output)
    {
        if (!relaxed)
        {
            output.Write(field);
            return;
        }

        var colon = field.IndexOf((byte)':');
        // Relaxed (3.4.2): the name in lower case, no space around the colon, the value unfolded, each run of
        // whitespace one space, none at either end.
        var name = field[..colon].TrimEnd(" \t"u8);
        Span<byte> lower = stackalloc byte[Math.Min(name.Length, 256)];
        if (name.Length <= lower.Length)
        {
            for (var i = 0; i < name.Length; i++) lower[i] = name[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(name[i] + 32) : name[i];
            output.Write(lower[..name.Length]);
        }
        else
        {
            foreach (var b in name) output.WriteByte(b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b);
        }

        output.WriteByte((byte)':');
        // Unfolding and collapsing at once: every run of space, tab, CR and LF between words is one space.
        var value = field[(colon + 1)..].Trim(" \t\r\n"u8);
        while (!value.IsEmpty)
        {
            var gap = value.IndexOfAny(" \t\r\n"u8);
            if (gap < 0)
            {
                output.Write(value);
                break;
            }

            output.Write(value[..gap]);
            output.WriteByte((byte)' ');
            value = value[gap..].TrimStart(" \t\r\n"u8);
        }

        output.Write("\r\n"u8);
    }

    /// <summary>
    /// The body as it enters the body hash (3.4.3 and 3.4.4): trailing empty lines dropped, a last line ended by
    /// CRLF; relaxed also drops the whitespace at line ends and makes each run of it one space. An empty body is
    /// CRLF under simple and nothing under relaxed.
    /// </summary>
    public static ReadOnlyMemory<byte> Body(ReadOnlySpan<byte> body, bool relaxed)
    {
        // Never longer than the body plus a CR for each bare LF and a final CRLF; written by index, as the calls of a
        // buffer writer per word were the dearest part of checking a signature.
        var output = new byte[body.Length + body.Count((byte)'\n') + 2];
        var n = 0;
        var emptyLines = 0;
        var start = 0;
        while (start < body.Length)
        {
            var lf = body[start..].IndexOf((byte)'\n');
            var end = lf < 0 ? body.Length : start + lf + 1;
            var line = body[start..end];
            // The line without its ending (CRLF, or a bare LF that the spool never holds but a test may).
            var content = line.EndsWith("\r\n"u8) ? line[..^2] : line.EndsWith("\n"u8) ? line[..^1] : line;
            if (relaxed) content = content.TrimEnd(" \t"u8);
            if (content.Length == 0)
            {
                emptyLines++;
            }
            else
            {
                for (; emptyLines > 0; emptyLines--) n = Append(output, n, "\r\n"u8);
                n = relaxed ? AppendCollapsed(output, n, content) : Append(output, n, content);
                n = Append(output, n, "\r\n"u8);
            }

            start = end;
        }

        if (n == 0 && !relaxed) n = Append(output, n, "\r\n"u8);
        return output.AsMemory(0, n);
    }

    private static int Append(byte[] output, int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.AsSpan(n));
        return n + bytes.Length;
    }

    // Each run of spaces and tabs inside a line as one space; the line's end is already trimmed. A plain loop: words
    // in mail are a few bytes long, too short for the vectorized searches to pay for their calls.
    private static int AppendCollapsed(byte[] output, int n, ReadOnlySpan<byte> content)
    {
        var inSpace = false;
        foreach (var b in content)
        {
            if (b is (byte)' ' or (byte)'\t')
            {
                inSpace = true;
                continue;
            }

            if (inSpace) output[n++] = (byte)' ';
            inSpace = false;
            output[n++] = b;
        }

        return n;
    }

    /// <summary>
    /// The signature's own field with the value of its b= tag removed (3.7: "the value of the b= tag (including all
    /// surrounding whitespace) deleted"), every other byte kept, for hashing in place of the field itself.
    /// </summary>
    public static byte[] WithoutSignatureValue(ReadOnlySpan<byte> field)
    {
        var colon = field.IndexOf((byte)':');
        var i = colon + 1;
        while (i < field.Length)
        {
            // A tag runs to the next ';'; its name is what precedes '=', folding whitespace aside.
            var semicolon = field[i..].IndexOf((byte)';');
            var end = semicolon < 0 ? field.Length : i + semicolon;
            var tag = field[i..end];
            var eq = tag.IndexOf((byte)'=');
            if (eq > 0 && IsName(tag[..eq], "b"u8))
            {
                var valueStart = i + eq + 1;
                // The last tag's value runs up to the field's own CRLF, which stays.
                var valueEnd = semicolon < 0 ? field.Length - TrailingLineEnd(field) : end;
                var result = new byte[field.Length - (valueEnd - valueStart)];
                field[..valueStart].CopyTo(result);
                field[valueEnd..].CopyTo(result.AsSpan(valueStart));
                return result;
            }

            i = end + 1;
        }

        return field.ToArray();
    }

    private static int TrailingLineEnd(ReadOnlySpan<byte> field) => field.EndsWith("\r\n"u8) ? 2 : field.EndsWith("\n"u8) ? 1 : 0;

    private static bool IsName(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name)
    {
        var trimmed = text.Trim(" \t\r\n"u8);
        return trimmed.SequenceEqual(name);
    }
}
