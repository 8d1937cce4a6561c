using ActorMTA.Storage;
using MimeKit;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// What goes on the wire for one message: the bytes of <paramref name="ContentRef"/> from <paramref name="Offset"/>,
/// <paramref name="Size"/> of them (declared as SIZE=). <paramref name="EightBit"/>: they still need BODY=8BITMIME.
/// <paramref name="TemporaryRef"/>: a converted copy the agent releases once the message is settled.
/// </summary>
public sealed record OutboundContent(string ContentRef, long Offset, long Size, bool EightBit, string? TemporaryRef)
{
    /// <summary>The Return-Path is measured when the content is opened for sending (<see cref="Offset"/> unused).</summary>
    public bool SkipLeadingReturnPath { get; init; }

    /// <summary>
    /// The content goes as stored (no 7-bit conversion needed), so nothing has to be read before MAIL FROM: the
    /// leading Return-Path is skipped when the content is opened, and SIZE= is the stored size less the
    /// Return-Path line this server writes for <see cref="OutboundItem.ReversePath"/> (an upper bound for content
    /// without one). Null when the content must be converted first (<see cref="PrepareAsync"/>).
    /// </summary>
    public static OutboundContent? AsStored(OutboundItem item, bool sevenBitOnly)
    {
        var eightBit = item.Traits.HasFlag(Queues.ContentTraits.EightBitMime);
        if (eightBit && sevenBitOnly) return null;
        // DSNs queued for another server come from <> and are written without a Return-Path.
        var returnPath = item.ReversePath.Length == 0 ? 0 : System.Text.Encoding.UTF8.GetByteCount($"Return-Path: <{item.ReversePath}>\r\n");
        return new OutboundContent(item.ContentRef, 0, Math.Max(0, item.Size - returnPath), eightBit, null) { SkipLeadingReturnPath = true };
    }

    /// <summary>Length of the leading Return-Path field of <paramref name="stream"/>, read from its start
    /// (synchronously: called by the connection's I/O loop, where content reads hit the page cache).</summary>
    public static int LeadingReturnPathLength(Stream stream)
    {
        // Pooled: a fresh 8 KiB array per relayed message showed up as memset in the relay profile.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxReturnPathField + 1);
        try
        {
            var filled = 0;
            int read;
            while (filled < MaxReturnPathField + 1 && (read = stream.Read(buffer, filled, MaxReturnPathField + 1 - filled)) > 0) filled += read;
            return LeadingReturnPathLength(buffer.AsSpan(0, filled));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Longest leading Return-Path field looked at; a longer one is left in place.</summary>
    private const int MaxReturnPathField = 8192;

    /// <summary>
    /// Reads (off the actor thread) what the message needs for this hop. The spooled message starts with the
    /// Return-Path the inbound side added for local delivery (RFC 5321 section 4.4); it belongs to the final
    /// delivery, not to a relay, so it is skipped. When <paramref name="sevenBitOnly"/> (8-bit content, and the
    /// server lacks 8BITMIME) the 8-bit parts are encoded as Postfix does (RFC 6152 section 3): quoted-printable
    /// for text, base64 for the rest, into a temporary copy in the store. If that still leaves 8-bit bytes (raw
    /// 8-bit headers) the result stays 8-bit and the engine refuses the message (5.6.3).
    /// </summary>
    public static async Task<OutboundContent> PrepareAsync(OutboundItem item, bool sevenBitOnly, IContentStore content)
    {
        long skip;
        await using (var stream = content.OpenRead(item.ContentRef))
            skip = await LeadingReturnPathLengthAsync(stream);
        var length = content.GetLength(item.ContentRef);
        var eightBit = item.Traits.HasFlag(Queues.ContentTraits.EightBitMime);
        if (!eightBit || !sevenBitOnly) return new OutboundContent(item.ContentRef, skip, length - skip, eightBit, null);

        var writer = content.BeginWrite(item.QueueId + ".7bit");
        string reference;
        try
        {
            // Persistent parsing leaves the part contents in the file instead of copying them into memory.
            await using (var stream = content.OpenRead(item.ContentRef))
            {
                stream.Seek(skip, SeekOrigin.Begin);
                var message = await MimeMessage.LoadAsync(stream, persistent: true);
                EncodeSevenBit(message);
                var format = FormatOptions.Default.Clone();
                format.NewLineFormat = NewLineFormat.Dos;
                await message.WriteToAsync(format, writer.Stream);
            }
            reference = (await content.CommitAsync(writer, 1))[0];
        }
        catch
        {
            content.Abort(writer);
            throw;
        }
        var converted = new OutboundContent(reference, 0, content.GetLength(reference), false, reference);
        await using (var stream = content.OpenRead(reference))
            if (!await IsSevenBitAsync(stream)) return converted with { EightBit = true };
        return converted;
    }

    /// <summary>Quoted-printable for 8-bit text parts, base64 for other 8-bit parts; containers that declared 8bit
    /// now hold only 7-bit parts and say so. Embedded messages are converted likewise.</summary>
    public static void EncodeSevenBit(MimeMessage message)
    {
        foreach (var entity in Entities(message.Body))
        {
            switch (entity)
            {
                case MimePart part when part.ContentTransferEncoding is ContentEncoding.EightBit or ContentEncoding.Binary
                    || (part.ContentTransferEncoding is ContentEncoding.Default or ContentEncoding.SevenBit && part.GetBestEncoding(EncodingConstraint.SevenBit, 998) != ContentEncoding.SevenBit):
                    part.ContentTransferEncoding = part is TextPart ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
                    break;
                case Multipart or MessagePart when entity.Headers[HeaderId.ContentTransferEncoding] is { } cte
                    && cte.Trim().ToLowerInvariant() is "8bit" or "binary":
                    entity.Headers[HeaderId.ContentTransferEncoding] = "7bit";
                    break;
            }
        }
    }

    private static IEnumerable<MimeEntity> Entities(MimeEntity? entity)
    {
        if (entity is null) yield break;
        yield return entity;
        var children = entity switch
        {
            Multipart multipart => multipart.AsEnumerable(),
            MessagePart { Message.Body: { } inner } => [inner],
            _ => Enumerable.Empty<MimeEntity>(),
        };
        foreach (var child in children)
            foreach (var descendant in Entities(child))
                yield return descendant;
    }

    /// <summary>The length of a first header field named Return-Path, folded lines and CRLF included; 0 when the
    /// content does not start with one.</summary>
    public static async Task<long> LeadingReturnPathLengthAsync(Stream stream)
    {
        var buffer = new byte[MaxReturnPathField + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled))) > 0) filled += read;
        return LeadingReturnPathLength(buffer.AsSpan(0, filled));
    }

    public static int LeadingReturnPathLength(ReadOnlySpan<byte> start)
    {
        ReadOnlySpan<byte> name = "Return-Path:"u8;
        if (start.Length < name.Length || !System.Text.Ascii.EqualsIgnoreCase(start[..name.Length], name)) return 0;
        var position = 0;
        while (true)
        {
            var lineFeed = start[position..].IndexOf((byte)'\n');
            if (lineFeed < 0) return 0; // no line end within the limit: leave it alone
            position += lineFeed + 1;
            // A following line that starts with white space continues the field (RFC 5322 section 2.2.3).
            if (position < start.Length && start[position] is (byte)' ' or (byte)'\t') continue;
            return position < start.Length || start.Length <= MaxReturnPathField ? position : 0;
        }
    }

    private static async Task<bool> IsSevenBitAsync(Stream stream)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
            if (buffer.AsSpan(0, read).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) return false;
        return true;
    }
}
