using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>Character classes of RFC 3501 section 9 and the choice between atom, quoted string and literal.</summary>
public static class ImapWireText
{
    /// <summary>ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ].</summary>
    public static bool IsAtomChar(byte b) =>
        b is > 0x20 and < 0x7f and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>ASTRING-CHAR: ATOM-CHAR or "]".</summary>
    public static bool IsAstringChar(byte b) => IsAtomChar(b) || b == (byte)']';

    /// <summary>list-char: ATOM-CHAR, list-wildcards or resp-specials.</summary>
    public static bool IsListChar(byte b) => IsAstringChar(b) || b is (byte)'%' or (byte)'*';

    /// <summary>
    /// Bytes that can go in a quoted string as they are: 7-bit, no NUL, CR, LF, quote or backslash.
    /// Quotes and backslashes could be escaped, but a literal is unambiguous for every client.
    /// </summary>
    public static bool CanQuote(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is 0 or >= 0x80 or (byte)'\r' or (byte)'\n' or (byte)'"' or (byte)'\\') return false;
        }
        return true;
    }

    /// <summary>The text as an astring for use inside a response label (atom when possible, else quoted with escapes).</summary>
    public static string AsAstring(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > 0 && bytes.All(IsAstringChar) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase)) return value;
        return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
