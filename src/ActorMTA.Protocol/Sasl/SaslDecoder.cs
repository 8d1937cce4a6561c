using System.Text;

namespace ActorMTA.Protocol.Sasl;

/// <summary>
/// The client responses of SASL PLAIN (RFC 4616) and LOGIN, for SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE
/// alike: strict base64 (no whitespace; "=" alone is the empty response, RFC 4954 section 4) of strict UTF-8.
/// </summary>
public static class SaslDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Base64 to UTF-8 text (a LOGIN user name or password). False on bad base64 or bytes that are not UTF-8.</summary>
    public static bool TryDecodeText(string base64, out string text)
    {
        text = "";
        return TryDecodeBytes(base64, out var bytes) && TryDecodeUtf8(bytes, out text);
    }

    /// <summary>PLAIN message: [authzid] NUL authcid NUL passwd, the authentication identity and password non-empty.</summary>
    public static bool TryDecodePlain(string base64, out SaslPlainCredentials credentials) =>
        DecodePlain(base64, out credentials) == SaslDecodeResult.Ok;

    /// <summary>Like <see cref="TryDecodePlain"/>, telling bad base64 apart from a malformed message.</summary>
    public static SaslDecodeResult DecodePlain(string base64, out SaslPlainCredentials credentials)
    {
        credentials = SaslPlainCredentials.None;
        if (!TryDecodeBytes(base64, out var bytes)) return SaslDecodeResult.InvalidBase64;
        if (!TryDecodeUtf8(bytes, out var message)) return SaslDecodeResult.Malformed;
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0) return SaslDecodeResult.Malformed;
        credentials = new SaslPlainCredentials(parts[0], parts[1], parts[2]);
        return SaslDecodeResult.Ok;
    }

    private static bool TryDecodeUtf8(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static bool TryDecodeBytes(string base64, out byte[] bytes)
    {
        bytes = [];
        if (base64 == "=") return true;
        if (base64.Length == 0 || base64.Length % 4 != 0) return false;
        foreach (var c in base64)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return false;
        }
        var buffer = new byte[base64.Length / 4 * 3];
        if (!Convert.TryFromBase64String(base64, buffer, out var written)) return false;
        bytes = buffer[..written];
        return true;
    }
}
