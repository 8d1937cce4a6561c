using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Mailbox name encoding of RFC 3501 section 5.1.3: printable ASCII stands for itself ("&amp;" is "&amp;-"),
/// other characters are UTF-16 in modified base64 (",", not "/", no padding) between "&amp;" and "-".
/// </summary>
public static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string name)
    {
        var output = new StringBuilder(name.Length);
        var pending = new List<byte>();
        foreach (var c in name)
        {
            if (c is >= ' ' and <= '~')
            {
                FlushBase64(output, pending);
                output.Append(c == '&' ? "&-" : c);
            }
            else
            {
                pending.Add((byte)(c >> 8));
                pending.Add((byte)c);
            }
        }
        FlushBase64(output, pending);
        return output.ToString();
    }

    /// <summary>False for names that are not valid modified UTF-7 (bad base64, 8-bit bytes, padding,
    /// encoded printable ASCII, an unterminated shift).</summary>
    public static bool TryDecode(string encoded, out string name)
    {
        name = "";
        var output = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c is < ' ' or > '~') return false;
            if (c != '&')
            {
                output.Append(c);
                continue;
            }
            var end = encoded.IndexOf('-', i + 1);
            if (end < 0) return false;
            if (end == i + 1)
            {
                output.Append('&');
                i = end;
                continue;
            }
            if (!TryDecodeBase64(encoded.AsSpan(i + 1, end - i - 1), output)) return false;
            i = end;
        }
        name = output.ToString();
        return true;
    }

    public static string Decode(string encoded) =>
        TryDecode(encoded, out var name) ? name : throw new FormatException($"Not modified UTF-7: {encoded}");

    private static void FlushBase64(StringBuilder output, List<byte> pending)
    {
        if (pending.Count == 0) return;
        output.Append('&');
        var bits = 0;
        var buffer = 0;
        foreach (var b in pending)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 6)
            {
                bits -= 6;
                output.Append(Alphabet[(buffer >> bits) & 0x3f]);
            }
        }
        if (bits > 0) output.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
        output.Append('-');
        pending.Clear();
    }

    private static bool TryDecodeBase64(ReadOnlySpan<char> text, StringBuilder output)
    {
        var bytes = new List<byte>();
        var bits = 0;
        var buffer = 0;
        foreach (var c in text)
        {
            var value = Alphabet.IndexOf(c);
            if (value < 0) return false;
            buffer = (buffer << 6) | value;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
            }
        }
        // Leftover bits must be zero padding shorter than a byte, and the bytes whole UTF-16 units.
        if (bits >= 6 || (buffer & ((1 << bits) - 1)) != 0 || bytes.Count % 2 != 0 || bytes.Count == 0) return false;
        var start = output.Length;
        for (var i = 0; i < bytes.Count; i += 2)
        {
            var unit = (char)((bytes[i] << 8) | bytes[i + 1]);
            // Printable ASCII must not be base64-encoded (RFC 3501 section 5.1.3).
            if (unit is >= ' ' and <= '~') return false;
            output.Append(unit);
        }
        return IsWellFormedUtf16(output, start);
    }

    private static bool IsWellFormedUtf16(StringBuilder output, int start)
    {
        for (var i = start; i < output.Length; i++)
        {
            if (char.IsHighSurrogate(output[i]))
            {
                if (i + 1 >= output.Length || !char.IsLowSurrogate(output[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(output[i]))
            {
                return false;
            }
        }
        return true;
    }
}
