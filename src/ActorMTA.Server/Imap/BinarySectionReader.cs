using ActorMTA.Protocol.Imap;
using MimeKit;
using MimeKit.Encodings;
using MimeKit.Utils;

namespace ActorMTA.Server.Imap;

/// <summary>The part's Content-Transfer-Encoding is not one the server can undo (RFC 3516 UNKNOWN-CTE).</summary>
public sealed class UnknownContentTransferEncodingException(string encoding) : Exception($"unknown content-transfer-encoding '{encoding}'");

/// <summary>
/// BINARY[part] (RFC 3516): a part's content with its Content-Transfer-Encoding undone (MimeKit's decoders).
/// BINARY[] is the whole message as stored. Reads the part into memory: off the actor thread only.
/// </summary>
public static class BinarySectionReader
{
    /// <returns>The decoded bytes, or null when the message has no such part.</returns>
    public static byte[]? Read(MessageStructure structure, Func<Stream> openRaw, IReadOnlyList<int> part)
    {
        var raw = ReadBytes(structure, openRaw, new BodySection(part, BodySectionText.Whole, []));
        if (raw is null || part.Count == 0) return raw;
        // The part's own MIME header, or the message header for the body of a non-multipart message.
        var header = ReadBytes(structure, openRaw, new BodySection(part, BodySectionText.Mime, []))
            ?? ReadBytes(structure, openRaw, new BodySection([], BodySectionText.Header, []))
            ?? [];
        var headers = HeaderList.Load(new MemoryStream(header));
        var text = headers[HeaderId.ContentTransferEncoding];
        if (string.IsNullOrWhiteSpace(text)) return raw;
        if (!MimeUtils.TryParse(text.Trim(), out ContentEncoding encoding)) throw new UnknownContentTransferEncodingException(text.Trim());
        IMimeDecoder? decoder = encoding switch
        {
            ContentEncoding.Base64 => new Base64Decoder(),
            ContentEncoding.QuotedPrintable => new QuotedPrintableDecoder(),
            ContentEncoding.UUEncode => new UUDecoder(),
            ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary or ContentEncoding.Default => null,
            _ => throw new UnknownContentTransferEncodingException(text.Trim()),
        };
        if (decoder is null) return raw;
        var output = new byte[decoder.EstimateOutputLength(raw.Length)];
        var length = decoder.Decode(raw, 0, raw.Length, output);
        return output.AsSpan(0, length).ToArray();
    }

    /// <summary>The partial range of RFC 3516 applies to the decoded bytes.</summary>
    public static byte[] Slice(byte[] decoded, FetchPartial? partial)
    {
        if (partial is not { } range) return decoded;
        var (offset, count) = range.Apply(decoded.Length);
        return decoded.AsSpan((int)offset, (int)count).ToArray();
    }

    private static byte[]? ReadBytes(MessageStructure structure, Func<Stream> openRaw, BodySection section) =>
        BodySectionReader.Read(structure, openRaw, section, null, long.MaxValue) switch
        {
            ImapContent.InMemory memory => memory.Bytes.ToArray(),
            null => null,
            var other => throw new InvalidOperationException($"unexpected section content {other.GetType().Name}"),
        };
}
