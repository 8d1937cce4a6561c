using System.Text;

namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// The xtext encoding of RFC 3461 section 4 (ENVID=, ORCPT=): printable ASCII except "+" and "=" as is,
/// everything else as "+" and two upper-case hex digits. Decoding is strict, because a parameter that does
/// not decode must be refused with 501 rather than passed on changed.
/// </summary>
public static class XText
{
    public static string Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 33 and <= 126 and not (byte)'+' and not (byte)'=') builder.Append((char)b);
            else builder.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>False for characters outside xtext, a "+" not followed by two upper-case hex digits, or bytes
    /// that are not UTF-8.</summary>
    public static bool TryDecode(string xtext, out string text)
    {
        ArgumentNullException.ThrowIfNull(xtext);
        text = "";
        var bytes = new List<byte>(xtext.Length);
        for (var i = 0; i < xtext.Length; i++)
        {
            var c = xtext[i];
            if (c == '+')
            {
                if (i + 2 >= xtext.Length || !IsUpperHex(xtext[i + 1]) || !IsUpperHex(xtext[i + 2])) return false;
                bytes.Add((byte)((HexValue(xtext[i + 1]) << 4) | HexValue(xtext[i + 2])));
                i += 2;
            }
            else if (c is >= '!' and <= '~' and not '=') bytes.Add((byte)c);
            else return false;
        }
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'A' + 10;
}
