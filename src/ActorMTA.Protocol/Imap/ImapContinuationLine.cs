using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Lines that continue a command rather than start one: the DONE that ends IDLE (RFC 2177) and the
/// client responses of an AUTHENTICATE exchange (RFC 3501 section 6.2.2). The session reads these
/// itself while the command runs, without <see cref="ImapCommandReader"/>.
/// </summary>
public static class ImapContinuationLine
{
    /// <summary>The line ends IDLE ("DONE", any case).</summary>
    public static bool IsIdleDone(ReadOnlySpan<byte> line) => Ascii.EqualsIgnoreCase(line, "DONE"u8);

    /// <summary>An AUTHENTICATE client response: "*" cancels (answer with tagged BAD), anything else
    /// is base64 text for the mechanism (decode it with Sasl.SaslDecoder).</summary>
    public static ImapSaslResponse ParseSaslResponse(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("*"u8)) return ImapSaslResponse.Cancel;
        return new ImapSaslResponse(false, Encoding.ASCII.GetString(line));
    }
}

/// <summary>One client line of an AUTHENTICATE exchange.</summary>
public sealed record ImapSaslResponse(bool Cancelled, string Base64)
{
    public static readonly ImapSaslResponse Cancel = new(true, "");
}
