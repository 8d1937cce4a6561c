using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using ActorMTA.Server.Net;
using ActorMTA.Storage;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Streams one incoming message into the content store, after the server's own trace fields. On the way
/// every bare CR or LF becomes CRLF (<see cref="LineEndNormalizer"/>; the session refuses such a message
/// unless told to normalise), and the header section is filtered (<see cref="HeaderSectionFilter"/>): the
/// client's Return-Path: fields are dropped, Received: fields counted for the hop limit, and on a
/// submission port Message-ID:/Date: are added at its end when missing. Nothing is held in memory but the
/// start of the current header line.
/// Writes are synchronous: they land in the page cache in microseconds (durability comes later, from the
/// group commit), while the async FileStream path hopped to a thread-pool thread for every flush.
/// </summary>
/// <remarks>Written by the connection's I/O loop; the session reads the counters only after the
/// connection reported the data complete.</remarks>
public sealed class MessageSpooler : IMessageSink
{
    private readonly ContentWriter _writer;
    private readonly string? _messageIdHeader;
    private readonly string? _dateHeader;
    private readonly LineEndNormalizer _lineEnds = new();
    private readonly HeaderSectionFilter _header;
    // Both made on first use: most content is clean (no copy needed), and 10,000 sessions in DATA must not
    // hold 8 KiB of buffers each.
    private ArrayBufferWriter<byte>? _normalizedBuffer;
    private ArrayBufferWriter<byte>? _filteredBuffer;
    private bool _inHeader = true;
    private ArrayBufferWriter<byte>? _copy;
    private readonly int _copyLimit;
    private bool _writtenOut;

    /// <param name="prefix">Bytes written before the message (Return-Path: and Received:).</param>
    /// <param name="messageIdHeader">Added when the header has no Message-ID: (null: never add).</param>
    /// <param name="dateHeader">Added when the header has no Date: (null: never add).</param>
    /// <param name="maxHeaderSize">Octets of header section examined; the rest is passed through as is.</param>
    public MessageSpooler(ContentWriter writer, string prefix, string? messageIdHeader, string? dateHeader, int maxHeaderSize, int keepCopyUpTo = 0)
    {
        _writer = writer;
        _copy = keepCopyUpTo > 0 ? new ArrayBufferWriter<byte>(Math.Min(keepCopyUpTo, 8 * 1024)) : null;
        _copyLimit = keepCopyUpTo;
        _messageIdHeader = messageIdHeader;
        _dateHeader = dateHeader;
        // The pool header is an instruction to this server: taken out of every message, whoever sent it.
        _header = new HeaderSectionFilter(maxHeaderSize, Delivery.Shaping.EgressSettings.PoolHeader);
        try
        {
            Put(Encoding.UTF8.GetBytes(prefix));
        }
        catch (IOException e)
        {
            StorageFailure = e;
        }
    }

    public ContentWriter Writer => _writer;

    /// <summary>
    /// Every byte written, kept in memory for a message no longer than the copy limit, so the end-of-data checks and
    /// stamping read it from here instead of from the file; null past the limit or when no copy was asked for.
    /// </summary>
    public ReadOnlyMemory<byte>? Copy => _copy?.WrittenMemory;

    /// <summary>
    /// Octets of the message so far. While a copy is kept, nothing goes to the file until <see cref="WriteOut"/> (or
    /// the limit is passed): a message that is stamped after its checks is written once, with its new fields,
    /// instead of twice, and a refused one never is.
    /// </summary>
    public long Length => _copy?.WrittenCount ?? _writer.Length;

    /// <summary>True while the content is only in <see cref="Copy"/>: the file is still empty.</summary>
    public bool InMemoryOnly => _copy is not null && !_writtenOut;

    /// <summary>Writes the kept copy to the file, when it was not written there yet (a message not stamped).</summary>
    /// <exception cref="IOException">The write failed.</exception>
    public void WriteOut()
    {
        if (_copy is not { } copy || _writtenOut) return;
        _writer.Stream.Write(copy.WrittenSpan);
        _writer.Stream.Flush();
        _writtenOut = true;
    }

    private void Put(ReadOnlySpan<byte> data)
    {
        if (_copy is null)
        {
            _writer.Stream.Write(data);
            return;
        }
        if (_copy.WrittenCount + data.Length <= _copyLimit)
        {
            _copy.Write(data);
            return;
        }
        // Past the limit: what was kept goes to the file first, then everything streams there as usual.
        var kept = _copy;
        _copy = null;
        _writer.Stream.Write(kept.WrittenSpan);
        _writer.Stream.Write(data);
    }

    /// <summary>The content so far has a bare CR or LF (RFC 5321 section 2.3.8); it was stored as CRLF.</summary>
    public bool HasBareLineEnd => _lineEnds.HasBareLineEnd;

    /// <summary>The value of the message's X-ActorMTA-Pool field (removed from the stored message); null when it had none.</summary>
    public string? PoolHeader => _header.TakenValue;

    /// <summary>The message's Message-ID: as the client wrote it, or the one this server added; null when it has none.</summary>
    public string? MessageId => _header.MessageId ?? (_messageIdHeader is null ? null : _messageIdHeader[(_messageIdHeader.IndexOf(':') + 1)..].Trim());

    /// <summary>Received: fields in the client's header section (not counting ours).</summary>
    public int ReceivedFields => _header.ReceivedFields;

    /// <summary>
    /// The spool write that failed (disk full, I/O error), or null. After a failure the rest of the content is
    /// read and dropped, so the session stays in step with the client and can answer 452 4.3.1 at the end.
    /// </summary>
    public IOException? StorageFailure { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (StorageFailure is not null) return ValueTask.CompletedTask;
        try
        {
            Write(data.Span);
        }
        catch (IOException e)
        {
            StorageFailure = e;
        }
        return ValueTask.CompletedTask;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        if (_lineEnds.IsClean(data))
        {
            WriteNormalized(data);
            return;
        }
        _lineEnds.Normalize(data, Normalized);
        WriteNormalized(Normalized.WrittenSpan);
        Normalized.ResetWrittenCount();
    }

    /// <summary>Ends the message: a message that never reached an empty line still gets its header amended.</summary>
    /// <exception cref="IOException">A write failed, now or before.</exception>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (StorageFailure is { } failure) throw failure;
        _lineEnds.Complete(Normalized);
        WriteNormalized(Normalized.WrittenSpan);
        Normalized.ResetWrittenCount();
        if (_inHeader)
        {
            _header.Complete(Filtered);
            var extra = MissingFields();
            if (extra.Length > 0 && _header.EndsMidLine) Filtered.Write("\r\n"u8);
            Filtered.Write(extra);
            _inHeader = false;
            FlushFiltered();
        }
        _writer.Stream.Flush();
        return ValueTask.CompletedTask;
    }

    private void WriteNormalized(ReadOnlySpan<byte> data)
    {
        if (_inHeader && data.Length > 0)
        {
            var status = _header.Filter(data, Filtered, out var consumed);
            if (status == HeaderFilterStatus.EndOfHeader)
            {
                Filtered.Write(MissingFields());
                Filtered.Write("\r\n"u8);
            }
            if (status != HeaderFilterStatus.NeedMoreData) _inHeader = false;
            FlushFiltered();
            data = data[consumed..];
        }
        if (data.Length > 0) Put(data);
    }

    private ArrayBufferWriter<byte> Normalized => _normalizedBuffer ??= new ArrayBufferWriter<byte>(4096);

    private ArrayBufferWriter<byte> Filtered => _filteredBuffer ??= new ArrayBufferWriter<byte>(1024);

    private void FlushFiltered()
    {
        if (_filteredBuffer is not { } filtered) return;
        if (filtered.WrittenCount > 0) Put(filtered.WrittenSpan);
        filtered.ResetWrittenCount();
        if (!_inHeader) _filteredBuffer = null; // the body needs no filtering
    }

    private byte[] MissingFields()
    {
        var extra = new StringBuilder();
        if (_messageIdHeader is not null && !_header.HasMessageId) extra.Append(_messageIdHeader);
        if (_dateHeader is not null && !_header.HasDate) extra.Append(_dateHeader);
        return Encoding.UTF8.GetBytes(extra.ToString());
    }
}
