using System.Text;

namespace ActorMTA.Protocol.Text;

/// <summary>
/// Command lines are UTF-8 (which includes ASCII); invalid byte sequences are refused rather than
/// silently replaced, so a garbled command is answered as an error instead of being half-understood.
/// </summary>
public static class StrictUtf8
{
    private static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The decoded text, or null when the bytes are not valid UTF-8.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
