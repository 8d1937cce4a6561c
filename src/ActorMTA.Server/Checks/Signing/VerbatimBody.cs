using MimeKit;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// A message body that MimeKit writes back exactly as it was received. MimeKit's DKIM signer hashes the body by
/// serializing the parsed entity tree, and a reparsed multipart need not come out byte for byte as it went in
/// (boundary lines, preamble and epilogue, transfer encodings); the signature must cover the bytes that are stored and
/// transmitted, so the signer is handed those bytes unparsed.
/// </summary>
internal sealed class VerbatimBody : MimeEntity
{
    private readonly ReadOnlyMemory<byte> _content;

    /// <param name="contentHeaders">The message's own Content-* fields: the signer reads those it signs from the body
    /// entity, and they must be the originals (raw text and order), not ones MimeKit would format.</param>
    public VerbatimBody(IEnumerable<Header> contentHeaders, ReadOnlyMemory<byte> content)
        : base(new ContentType("application", "octet-stream"))
    {
        Headers.Clear();
        foreach (var header in contentHeaders) Headers.Add(header);
        _content = content;
    }

    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        // The content is final: nothing to re-encode.
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly = false, CancellationToken cancellationToken = default)
    {
        base.WriteTo(options, stream, contentOnly, cancellationToken);
        if (!contentOnly) stream.Write(NewLine(options));
        stream.Write(_content.Span);
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly = false, CancellationToken cancellationToken = default)
    {
        await base.WriteToAsync(options, stream, contentOnly, cancellationToken);
        if (!contentOnly) await stream.WriteAsync(NewLine(options), cancellationToken);
        await stream.WriteAsync(_content, cancellationToken);
    }

    private static byte[] NewLine(FormatOptions options) => options.NewLineFormat == NewLineFormat.Dos ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
}
