using System.Buffers;
using System.Text;
using ActorMTA.Server.Net;
using ActorMTA.Storage;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Streams one incoming message into the content store. Only the header section is held in
/// memory (bounded), because a submission server must add Message-ID:/Date: when they are missing
/// and that can only be known at the end of the header. Everything after it passes straight through.
/// Writes are synchronous: they land in the page cache in microseconds (durability comes later, from the
/// group commit), while the async FileStream path hopped to a thread-pool thread for every flush.
/// </summary>
public sealed class MessageSpooler : IMessageSink
{
    private readonly ContentWriter _writer;
    private readonly string? _messageIdHeader;
    private readonly string? _dateHeader;
    private readonly int _maxHeaderSize;
    private ArrayBufferWriter<byte>? _header;

    /// <param name="prefix">Bytes written before the message (the Received: line).</param>
    /// <param name="messageIdHeader">Added when the header has no Message-ID: (null: never add).</param>
    /// <param name="dateHeader">Added when the header has no Date: (null: never add).</param>
    public MessageSpooler(ContentWriter writer, string prefix, string? messageIdHeader, string? dateHeader, int maxHeaderSize)
    {
        _writer = writer;
        _messageIdHeader = messageIdHeader;
        _dateHeader = dateHeader;
        _maxHeaderSize = maxHeaderSize;
        _writer.Stream.Write(Encoding.UTF8.GetBytes(prefix));
        if (messageIdHeader is not null || dateHeader is not null) _header = new ArrayBufferWriter<byte>(4096);
    }

    public ContentWriter Writer => _writer;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        var stream = _writer.Stream;
        if (_header is null)
        {
            stream.Write(data);
            return;
        }
        var end = FindHeaderEnd(data);
        if (end == NotFound)
        {
            _header.Write(data);
            if (_header.WrittenCount > _maxHeaderSize) FlushHeader(0); // give up amending a giant header
            return;
        }
        if (end == BlankLineBeganInPreviousChunk)
        {
            // The CR of the blank line is already in the header buffer; it belongs to the body.
            FlushHeader(1);
            stream.Write("\r"u8);
            stream.Write(data);
            return;
        }
        _header.Write(data[..end]);
        FlushHeader(0);
        stream.Write(data[end..]);
    }

    /// <summary>Ends the message: a message that never reached a blank line still gets its header amended.</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_header is not null) FlushHeader(0);
        _writer.Stream.Flush();
        return ValueTask.CompletedTask;
    }

    private const int NotFound = -2;
    private const int BlankLineBeganInPreviousChunk = -1;
    private bool _lineStart = true;
    private bool _crAtLineStart;

    // Offset in span where the empty line that ends the header begins; state carries across chunks.
    private int FindHeaderEnd(ReadOnlySpan<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            if (_crAtLineStart)
            {
                if (b == (byte)'\n') return i - 1;
                _crAtLineStart = false;
                _lineStart = false;
            }
            if (_lineStart)
            {
                if (b == (byte)'\n') return i;
                if (b == (byte)'\r') { _crAtLineStart = true; continue; }
                _lineStart = false;
            }
            if (b == (byte)'\n') _lineStart = true;
        }
        return NotFound;
    }

    private void FlushHeader(int trimTail)
    {
        var header = _header!;
        _header = null;
        var bytes = header.WrittenMemory[..(header.WrittenCount - trimTail)];
        var extra = new StringBuilder();
        if (_messageIdHeader is not null && !HasField(bytes.Span, "message-id")) extra.Append(_messageIdHeader);
        if (_dateHeader is not null && !HasField(bytes.Span, "date")) extra.Append(_dateHeader);
        var stream = _writer.Stream;
        stream.Write(bytes.Span);
        if (extra.Length > 0)
        {
            if (bytes.Length > 0 && bytes.Span[^1] != (byte)'\n') stream.Write("\r\n"u8);
            stream.Write(Encoding.UTF8.GetBytes(extra.ToString()));
        }
    }

    private static bool HasField(ReadOnlySpan<byte> header, string name)
    {
        var atLineStart = true;
        for (var i = 0; i < header.Length; i++)
        {
            if (atLineStart && i + name.Length < header.Length && header[i + name.Length] == (byte)':')
            {
                var match = true;
                for (var j = 0; j < name.Length && match; j++)
                    match = char.ToLowerInvariant((char)header[i + j]) == name[j];
                if (match) return true;
            }
            atLineStart = header[i] == (byte)'\n';
        }
        return false;
    }
}
