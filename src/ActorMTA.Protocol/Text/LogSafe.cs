using System.Buffers;
using System.Globalization;
using System.Text;

namespace ActorMTA.Protocol.Text;

/// <summary>
/// Client-supplied text (commands, HELO names, addresses, user names) made safe for a log line: control
/// characters, invalid UTF-8 and the backslash itself are written as escapes (<c>\x1b</c>, <c>\xff</c>,
/// <c>\\</c>), so a client can neither forge log lines (CR/LF) nor send terminal escapes to whoever reads
/// the log, and the escaped form still shows exactly what was sent. Printable text, including non-ASCII
/// letters, is kept as it is.
/// </summary>
public static class LogSafe
{
    /// <summary>Longest escaped text written; a client cannot fill the log with one line.</summary>
    public const int MaxLength = 512;

    /// <summary>Raw bytes from the wire: valid UTF-8 sequences are kept, every other byte becomes <c>\xNN</c>.</summary>
    public static string Bytes(ReadOnlySpan<byte> bytes)
    {
        var output = new StringBuilder(Math.Min(bytes.Length, MaxLength) + 8);
        while (!bytes.IsEmpty && output.Length < MaxLength)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status == OperationStatus.Done) Append(output, rune);
            else
            {
                // One invalid byte at a time: what follows it may be valid again.
                consumed = 1;
                AppendByte(output, bytes[0]);
            }
            bytes = bytes[consumed..];
        }
        return Truncated(output, !bytes.IsEmpty);
    }

    /// <summary>Decoded text: control characters, lone surrogates and the replacement character (left by a lenient decoder
    /// where a byte was invalid) are escaped.</summary>
    public static string Text(string? text)
    {
        if (text is null) return "";
        if (!NeedsEscaping(text)) return text.Length <= MaxLength ? text : text[..MaxLength] + "...";
        var output = new StringBuilder(Math.Min(text.Length, MaxLength) + 8);
        var position = 0;
        while (position < text.Length && output.Length < MaxLength)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out var consumed) == OperationStatus.Done)
            {
                Append(output, rune);
            }
            else
            {
                consumed = 1;
                output.Append(CultureInfo.InvariantCulture, $"\\u{(int)text[position]:x4}");
            }
            position += consumed;
        }
        return Truncated(output, position < text.Length);
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 || c is '\\' or '\x7f' or '\uFFFD' || (c >= 0x80 && c <= 0x9f) || char.IsSurrogate(c)
                || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format) return true;
        }
        return false;
    }

    private static void Append(StringBuilder output, Rune rune)
    {
        var value = rune.Value;
        if (value == '\\') output.Append(@"\\");
        else if (value < 0x20 || value == 0x7f) AppendByte(output, (byte)value);
        else if (value is >= 0x80 and <= 0x9f || value == 0xFFFD || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
            output.Append(CultureInfo.InvariantCulture, $"\\u{value:x4}");
        else output.Append(rune.ToString());
    }

    private static void AppendByte(StringBuilder output, byte value) =>
        output.Append(CultureInfo.InvariantCulture, $"\\x{value:x2}");

    private static string Truncated(StringBuilder output, bool more) => more ? output.Append("...").ToString() : output.ToString();
}
