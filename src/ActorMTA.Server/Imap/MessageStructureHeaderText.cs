using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace ActorMTA.Server.Imap;

/// <summary>
/// Header values as IMAP hands them out: the raw value, unfolded, encoded-words left as they are
/// (RFC 3501 section 7.4.2 — decoding is the client's business).
/// </summary>
internal static class MessageStructureHeaderText
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    /// <summary>The first header with <paramref name="id"/>, raw and unfolded; null when absent.</summary>
    public static string? Raw(HeaderList headers, HeaderId id)
    {
        foreach (var header in headers)
        {
            if (header.Id == id) return Unfold(header.RawValue);
        }
        return null;
    }

    /// <summary>The first header with <paramref name="id"/> as stored bytes (for address parsing); null when absent.</summary>
    public static byte[]? RawBytes(HeaderList headers, HeaderId id)
    {
        foreach (var header in headers)
        {
            if (header.Id == id) return header.RawValue;
        }
        return null;
    }

    /// <summary>RFC 5322 unfolding (drop the line breaks, keep the whitespace), then trimmed.</summary>
    public static string Unfold(byte[] rawValue)
    {
        var unfolded = new List<byte>(rawValue.Length);
        foreach (var b in rawValue)
        {
            if (b is not ((byte)'\r' or (byte)'\n')) unfolded.Add(b);
        }
        return Decode([.. unfolded]).Trim(' ', '\t');
    }

    /// <summary>
    /// A value MimeKit has already decoded (a display name, a parameter value) made 7-bit again for the
    /// wire: unchanged when ASCII, else as RFC 2047 encoded-words, which is what mail clients decode in
    /// ENVELOPE and BODYSTRUCTURE strings.
    /// </summary>
    public static string ToWire(string value, bool phrase)
    {
        if (Ascii.IsValid(value)) return value;
        var encoded = phrase ? Rfc2047.EncodePhrase(Encoding.UTF8, value) : Rfc2047.EncodeText(Encoding.UTF8, value);
        return Encoding.ASCII.GetString(encoded);
    }

    // Raw 8-bit headers are usually UTF-8 (RFC 6532); anything else is kept byte-for-character.
    private static string Decode(byte[] bytes)
    {
        if (Ascii.IsValid(bytes)) return Encoding.ASCII.GetString(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }
}
