using System.IO.Compression;

namespace ActorMTA.Server.Net;

/// <summary>
/// IMAP COMPRESS=DEFLATE (RFC 4978) over a connection's stream: raw DEFLATE (no zlib header) both ways. Every flush
/// is a sync flush, so a reply written and flushed reaches the client whole instead of waiting in the compressor.
/// </summary>
internal sealed class DeflateDuplexStream(Stream inner) : Stream
{
    private readonly DeflateStream _inflate = new(inner, CompressionMode.Decompress, leaveOpen: true);
    private readonly DeflateStream _deflate = new(inner, CompressionLevel.Fastest, leaveOpen: true);

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inflate.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inflate.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inflate.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _deflate.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _deflate.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _deflate.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush()
    {
        _deflate.Flush();
        inner.Flush();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _deflate.FlushAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflate.Dispose();
            try { _deflate.Dispose(); } catch (IOException) { }
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
