using System.Text;

namespace ActorMTA.Protocol.Smtp;

/// <summary>Decoding of the base64 client responses of AUTH PLAIN (RFC 4616) and AUTH LOGIN.</summary>
public static class SaslDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Base64 to UTF-8 text. "=" alone is the empty response (RFC 4954 section 4). False on bad
    /// base64 (including embedded whitespace) or bytes that are not UTF-8.</summary>
    public static bool TryDecodeText(string base64, out string text)
    {
        text = "";
        if (!TryDecodeBytes(base64, out var bytes)) return false;
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>PLAIN message: [authzid] NUL authcid NUL passwd, the user name and password non-empty.</summary>
    public static bool TryDecodePlain(string base64, out string authorizationId, out string user, out string password)
    {
        authorizationId = user = password = "";
        if (!TryDecodeText(base64, out var message)) return false;
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0) return false;
        (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
        return true;
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
