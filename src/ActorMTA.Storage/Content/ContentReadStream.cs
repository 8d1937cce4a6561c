using Microsoft.Win32.SafeHandles;

namespace ActorMTA.Storage.Content;

/// <summary>
/// A read-only, seekable view of a stored message: positional reads (pread) on a handle from
/// <see cref="NativeFileSystem.OpenReadOnly"/>, no buffer of its own (readers bring 64 KiB chunks).
/// Async reads complete synchronously: stored content is small and page-cache hot, and an "async" read on a
/// Linux file is only a hop to a thread-pool thread that then blocks anyway.
/// </summary>
internal sealed class ContentReadStream(SafeFileHandle handle, Action onClosed) : Stream
{
    private int _closed;
    private long _position;
    private long _length = -1;

    public override bool CanRead => !handle.IsClosed;
    public override bool CanSeek => !handle.IsClosed;
    public override bool CanWrite => false;

    public override long Length => _length >= 0 ? _length : _length = RandomAccess.GetLength(handle);

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = RandomAccess.Read(handle, buffer, _position);
        _position += read;
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
        {
            handle.Dispose();
            onClosed();
        }
        base.Dispose(disposing);
    }
}
