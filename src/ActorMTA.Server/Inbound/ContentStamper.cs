using System.Text;
using ActorMTA.Server.Checks;
using ActorMTA.Storage;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Adds header fields that can only be known once the whole message is in (the checks' verdict, a DKIM signature)
/// by writing the message again: its first line (Return-Path:), the new fields, then the rest, dropping on the way
/// any Authentication-Results that claim our own authserv-id (RFC 8601 section 5). A message up to
/// <see cref="InPlaceLimit"/> is read into memory and written again into its own, still uncommitted file; a larger
/// one is copied into a new spool file and the original aborted, so no message is ever held in memory whole.
/// </summary>
public static class ContentStamper
{
    /// <summary>Largest message rewritten in its own file (through memory) rather than copied into a new one.</summary>
    public const int InPlaceLimit = 256 * 1024;

    private static readonly byte[] EndOfHeader = "\r\n\r\n"u8.ToArray();

    /// <param name="keepFirst">Bytes of the original that stay first (the Return-Path: line).</param>
    /// <param name="fields">Whole header fields, each ending in CRLF, inserted after them.</param>
    /// <param name="removeAuthResultsOf">An authserv-id whose Authentication-Results fields are removed; null: none are.</param>
    /// <param name="written">The content, when the spooler kept it in memory (at most <see cref="InPlaceLimit"/>); the file
    /// may not hold it yet (see <see cref="MessageSpooler.Length"/>), and is written from the start either way.</param>
    public static async Task<ContentWriter> StampAsync(IContentStore store, ContentWriter original, int keepFirst, string fields,
        string? removeAuthResultsOf, int maxHeaderSize, CancellationToken ct, ReadOnlyMemory<byte>? written = null)
    {
        if (written is not null || original.Length <= InPlaceLimit)
            return await StampInPlaceAsync(original, written ?? await ReadWrittenAsync(original, ct).ConfigureAwait(false), keepFirst, fields, removeAuthResultsOf, maxHeaderSize, ct)
                .ConfigureAwait(false);
        var stamped = store.BeginWrite(original.QueueId);
        try
        {
            await using (var source = original.OpenWritten())
            {
                var target = stamped.Stream;
                var first = new byte[keepFirst];
                await source.ReadExactlyAsync(first, ct).ConfigureAwait(false);
                await target.WriteAsync(first, ct).ConfigureAwait(false);
                await target.WriteAsync(Encoding.UTF8.GetBytes(fields), ct).ConfigureAwait(false);
                var (header, rest) = await ReadHeaderSectionAsync(source, maxHeaderSize, ct).ConfigureAwait(false);
                await target.WriteAsync(removeAuthResultsOf is null ? header : WithoutAuthResultsOf(header, removeAuthResultsOf), ct).ConfigureAwait(false);
                await target.WriteAsync(rest, ct).ConfigureAwait(false);
                await source.CopyToAsync(target, 64 * 1024, ct).ConfigureAwait(false);
            }
            original.Dispose();
            return stamped;
        }
        catch
        {
            stamped.Dispose();
            throw;
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadWrittenAsync(ContentWriter writer, CancellationToken ct)
    {
        await using var source = writer.OpenWritten();
        var content = new byte[source.Length];
        await source.ReadExactlyAsync(content, ct).ConfigureAwait(false);
        return content;
    }

    private static async Task<ContentWriter> StampInPlaceAsync(ContentWriter original, ReadOnlyMemory<byte> content, int keepFirst, string fields,
        string? removeAuthResultsOf, int maxHeaderSize, CancellationToken ct)
    {
        var end = content.Span.Slice(keepFirst, Math.Min(content.Length - keepFirst, maxHeaderSize)).IndexOf(EndOfHeader);
        var headerEnd = end < 0 ? Math.Min(content.Length, keepFirst + maxHeaderSize) : keepFirst + end + EndOfHeader.Length;
        var header = content[keepFirst..headerEnd];
        original.Restart();
        var target = original.Stream;
        await target.WriteAsync(content[..keepFirst], ct).ConfigureAwait(false);
        await target.WriteAsync(Encoding.UTF8.GetBytes(fields), ct).ConfigureAwait(false);
        await target.WriteAsync(removeAuthResultsOf is null ? header : WithoutAuthResultsOf(header.ToArray(), removeAuthResultsOf), ct).ConfigureAwait(false);
        await target.WriteAsync(content[headerEnd..], ct).ConfigureAwait(false);
        return original;
    }

    /// <summary>The header section up to and including its empty line (or all of the first <paramref name="max"/> bytes
    /// when it is longer), and the bytes read past it.</summary>
    private static async Task<(byte[] Header, byte[] Remainder)> ReadHeaderSectionAsync(Stream source, int max, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (buffer.Length < max)
        {
            var n = await source.ReadAsync(chunk, ct).ConfigureAwait(false);
            if (n == 0) break;
            var searchFrom = (int)Math.Max(0, buffer.Length - 3);
            buffer.Write(chunk, 0, n);
            var end = buffer.GetBuffer().AsSpan(searchFrom, (int)buffer.Length - searchFrom).IndexOf(EndOfHeader);
            if (end >= 0)
            {
                var split = searchFrom + end + EndOfHeader.Length;
                var all = buffer.ToArray();
                return (all[..split], all[split..]);
            }
        }
        return (buffer.ToArray(), []);
    }

    /// <summary>The header section without the Authentication-Results fields whose authserv-id is <paramref name="authServId"/>.</summary>
    public static byte[] WithoutAuthResultsOf(byte[] header, string authServId)
    {
        var output = new MemoryStream(header.Length);
        var start = 0;
        while (start < header.Length)
        {
            var end = Checks.Dkim.RawHeaderField.FieldEnd(header, start);
            var field = header.AsSpan(start, end - start);
            if (!IsAuthResultsOf(field, authServId)) output.Write(field);
            start = end;
        }
        return output.ToArray();
    }

    private static bool IsAuthResultsOf(ReadOnlySpan<byte> field, string authServId)
    {
        const string name = "Authentication-Results:";
        if (field.Length <= name.Length || !Encoding.ASCII.GetString(field[..name.Length]).Equals(name, StringComparison.OrdinalIgnoreCase)) return false;
        var value = Encoding.UTF8.GetString(field[name.Length..]);
        return string.Equals(AuthenticationResultsHeader.AuthServIdOf(value), authServId, StringComparison.OrdinalIgnoreCase);
    }
}
