using ActorMTA.Protocol.Imap;

namespace ActorMTA.Server.Imap;

/// <summary>
/// The exact bytes of a FETCH body section (RFC 3501 section 6.4.5), cut from the stored message at the
/// offsets its <see cref="MessageStructure"/> recorded — the message is never parsed again. Short
/// sections come back in memory; long ones as <see cref="ImapContent.Streamed"/> with a
/// <see cref="RawSlice"/> for the caller to copy from the file to the socket.
/// </summary>
public static partial class BodySectionReader
{
    /// <summary>Where a section lies; <see cref="Filter"/> is set for HEADER.FIELDS[.NOT], which needs the
    /// header block read and filtered rather than sent as is.</summary>
    private readonly record struct Location(long Offset, long Length, BodySection? Filter);

    /// <summary>A message (top level or enclosed in a message/rfc822 part): its header is
    /// [<see cref="Start"/>, <see cref="Body"/>.ContentOffset), its text from there to <see cref="End"/>.</summary>
    private readonly record struct MessageFrame(long Start, long End, MessageStructurePart Body);

    /// <param name="openRaw">Opens the stored message (called only when bytes must be read).</param>
    /// <param name="partial">The <c>&lt;origin.length&gt;</c> of the request, if any.</param>
    /// <param name="inlineLimit">Longest (sliced) section returned in memory; longer ones are streamed.</param>
    /// <returns>The section, or null (NIL) when the message has no such part.</returns>
    public static ImapContent? Read(MessageStructure structure, Func<Stream> openRaw, BodySection section, FetchPartial? partial, long inlineLimit)
    {
        if (Locate(structure, section) is not { } location) return null;
        if (location.Filter is { } filter)
            return Filtered(ReadRange(openRaw, location.Offset, location.Length), filter, partial);
        var (offset, length) = Slice(location, partial);
        if (length > inlineLimit) return new ImapContent.Streamed(length, new RawSlice(offset, length));
        return new ImapContent.InMemory(ReadRange(openRaw, offset, length));
    }

    /// <inheritdoc cref="Read"/>
    public static async Task<ImapContent?> ReadAsync(MessageStructure structure, Func<Stream> openRaw, BodySection section,
        FetchPartial? partial, long inlineLimit, CancellationToken cancellationToken = default)
    {
        if (Locate(structure, section) is not { } location) return null;
        if (location.Filter is { } filter)
            return Filtered(await ReadRangeAsync(openRaw, location.Offset, location.Length, cancellationToken).ConfigureAwait(false), filter, partial);
        var (offset, length) = Slice(location, partial);
        if (length > inlineLimit) return new ImapContent.Streamed(length, new RawSlice(offset, length));
        return new ImapContent.InMemory(await ReadRangeAsync(openRaw, offset, length, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Copies a streamed section from the stored message to <paramref name="destination"/>.</summary>
    public static async Task CopyAsync(Func<Stream> openRaw, RawSlice slice, Stream destination, CancellationToken cancellationToken = default)
    {
        if (slice.Length == 0) return;
        await using var raw = openRaw();
        await SkipToAsync(raw, slice.Offset, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[(int)Math.Min(slice.Length, 81920)];
        var remaining = slice.Length;
        while (remaining > 0)
        {
            var read = await raw.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new EndOfStreamException("The stored message is shorter than its structure says.");
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            remaining -= read;
        }
    }

    private static Location? Locate(MessageStructure structure, BodySection section)
    {
        var message = new MessageFrame(0, structure.Size, structure.Layout);
        MessageStructurePart? part = null;
        foreach (var number in section.Part)
        {
            if (number < 1) return null;
            if (part is not null)
            {
                switch (part.Kind)
                {
                    case MessageStructurePartKind.Multipart:
                        part = number <= part.Parts.Count ? part.Parts[number - 1] : null;
                        if (part is null) return null;
                        continue;
                    case MessageStructurePartKind.Message when part.Encapsulated is not null:
                        message = Enclosed(part);
                        break;
                    default:
                        return null;
                }
            }
            part = PartOfMessage(message.Body, number);
            if (part is null) return null;
        }

        if (part is null) return OfMessage(message, section);
        switch (section.Text)
        {
            case BodySectionText.Whole:
                return new Location(part.ContentOffset, part.ContentLength, null);
            case BodySectionText.Mime:
                return new Location(part.HeaderOffset, part.ContentOffset - part.HeaderOffset, null);
            default:
                // HEADER / TEXT after a part number only name the message inside a message/rfc822 part.
                if (part.Kind != MessageStructurePartKind.Message || part.Encapsulated is null) return null;
                return OfMessage(Enclosed(part), section);
        }
    }

    /// <summary>Part <paramref name="number"/> of a message whose body entity is <paramref name="body"/>: a
    /// multipart's child, or for any other body only part 1, the body itself (RFC 3501 section 6.4.5).</summary>
    private static MessageStructurePart? PartOfMessage(MessageStructurePart body, int number)
    {
        if (body.Kind == MessageStructurePartKind.Multipart)
            return number <= body.Parts.Count ? body.Parts[number - 1] : null;
        return number == 1 ? body : null;
    }

    private static MessageFrame Enclosed(MessageStructurePart messagePart) =>
        new(messagePart.ContentOffset, messagePart.EndOffset, messagePart.Encapsulated!);

    private static Location? OfMessage(MessageFrame message, BodySection section)
    {
        var headerEnd = message.Body.ContentOffset;
        return section.Text switch
        {
            BodySectionText.Whole => new Location(message.Start, message.End - message.Start, null),
            BodySectionText.Header => new Location(message.Start, headerEnd - message.Start, null),
            BodySectionText.HeaderFields or BodySectionText.HeaderFieldsNot => new Location(message.Start, headerEnd - message.Start, section),
            BodySectionText.Text => new Location(headerEnd, message.End - headerEnd, null),
            _ => null, // MIME needs a part number
        };
    }

    private static (long Offset, long Length) Slice(Location location, FetchPartial? partial)
    {
        if (partial is not { } p) return (location.Offset, location.Length);
        var (offset, length) = p.Apply(location.Length);
        return (location.Offset + offset, length);
    }

    private static ImapContent Filtered(byte[] header, BodySection filter, FetchPartial? partial)
    {
        ReadOnlyMemory<byte> selected = HeaderFieldFilter.Select(header, [.. filter.HeaderFields], exclude: filter.Text == BodySectionText.HeaderFieldsNot);
        return new ImapContent.InMemory(partial is { } p ? p.Slice(selected) : selected);
    }

    private static byte[] ReadRange(Func<Stream> openRaw, long offset, long length)
    {
        if (length == 0) return [];
        var bytes = new byte[checked((int)length)];
        using var raw = openRaw();
        if (raw.CanSeek) raw.Seek(offset, SeekOrigin.Begin);
        else Skip(raw, offset);
        raw.ReadExactly(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadRangeAsync(Func<Stream> openRaw, long offset, long length, CancellationToken cancellationToken)
    {
        if (length == 0) return [];
        var bytes = new byte[checked((int)length)];
        await using var raw = openRaw();
        await SkipToAsync(raw, offset, cancellationToken).ConfigureAwait(false);
        await raw.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private static void Skip(Stream raw, long count)
    {
        var buffer = new byte[(int)Math.Min(count, 81920)];
        while (count > 0)
        {
            var read = raw.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0) throw new EndOfStreamException("The stored message is shorter than its structure says.");
            count -= read;
        }
    }

    private static async Task SkipToAsync(Stream raw, long offset, CancellationToken cancellationToken)
    {
        if (raw.CanSeek)
        {
            raw.Seek(offset, SeekOrigin.Begin);
            return;
        }
        var buffer = new byte[(int)Math.Min(Math.Max(offset, 1), 81920)];
        while (offset > 0)
        {
            var read = await raw.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, offset)), cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new EndOfStreamException("The stored message is shorter than its structure says.");
            offset -= read;
        }
    }
}
