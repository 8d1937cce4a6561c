using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Net;

/// <summary>
/// One client (or sink-side) TCP connection: async socket, optional TLS in place (STARTTLS/STLS),
/// and a small buffered line reader. The read buffer starts at <c>bufferSize</c> (4 KiB for load
/// sessions) and grows only for a line longer than that, up to <see cref="MaxLine"/>. Every read
/// and write has the connection's timeout; failures surface as <see cref="LoadException"/>.
/// Bytes in and out are added to the run's counters.
/// </summary>
internal sealed class LoadConnection : IAsyncDisposable
{
    public const int MaxLine = 64 * 1024;

    private readonly Socket _socket;
    private readonly RunCounters? _counters;
    private readonly TimeSpan _timeout;
    private Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private CancellationTokenSource _cts = new();
    private bool _disposed;

    private LoadConnection(Socket socket, Stream stream, int bufferSize, TimeSpan timeout, RunCounters? counters)
    {
        _socket = socket;
        _stream = stream;
        _buffer = new byte[bufferSize];
        _timeout = timeout;
        _counters = counters;
    }

    /// <summary>True when a complete line is already buffered (so a reply can wait: more commands are pipelined).</summary>
    public bool HasBufferedLine => _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n') >= 0;

    /// <summary>Connects (bound to <paramref name="source"/> first when given) with the timeout.</summary>
    public static async Task<LoadConnection> ConnectAsync(IPEndPoint remote, IPAddress? source, TimeSpan timeout,
        int bufferSize, RunCounters? counters, CancellationToken cancel)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null) BindSource(socket, source);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(remote, cts.Token);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new LoadException("timeout", $"connect to {remote} took over {timeout}");
            }
            return new LoadConnection(socket, new NetworkStream(socket, ownsSocket: false), bufferSize, timeout, counters);
        }
        catch (Exception e)
        {
            socket.Dispose();
            if (e is OperationCanceledException) throw;
            throw LoadException.From(e, connecting: true);
        }
    }

    /// <summary>Wraps an accepted socket (the sink's side).</summary>
    public static LoadConnection Accepted(Socket socket, int bufferSize, TimeSpan timeout) =>
        new(socket, new NetworkStream(socket, ownsSocket: false), bufferSize, timeout, counters: null);

    /// <summary>TLS handshake on the open connection (after the server's go-ahead); any certificate is accepted.</summary>
    public async Task StartTlsAsync(string targetHost)
    {
        if (_end != _start) throw new LoadException("protocol", "bytes arrived after the TLS go-ahead");
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, static (_, _, _, _) => true);
        try
        {
            var options = new SslClientAuthenticationOptions { TargetHost = targetHost };
            await ssl.AuthenticateAsClientAsync(options, Arm());
            Disarm();
        }
        catch (Exception e)
        {
            await ssl.DisposeAsync();
            throw Map(e);
        }
        _stream = ssl;
    }

    /// <summary>The next line without CRLF (a bare LF also ends it). Valid until the next read. EOF: `closed`.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync()
    {
        var scanned = 0;
        while (true)
        {
            var lf = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var length = scanned + lf;
                var line = _buffer.AsMemory(_start, length > 0 && _buffer[_start + length - 1] == '\r' ? length - 1 : length);
                _start += length + 1;
                return line;
            }
            scanned = _end - _start;
            if (!await FillAsync(growTo: MaxLine))
                throw new LoadException(_end > _start ? "protocol" : "closed", _end > _start ? $"line longer than {MaxLine} bytes" : "connection closed by the server");
        }
    }

    /// <summary>
    /// The next line, or a piece of it when it does not fit the buffer: <c>Complete</c> tells which.
    /// For streams of text whose lines may be arbitrarily long (message content).
    /// </summary>
    public async ValueTask<(ReadOnlyMemory<byte> Piece, bool Complete)> ReadLinePieceAsync()
    {
        var scanned = 0;
        while (true)
        {
            var lf = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var length = scanned + lf;
                var line = _buffer.AsMemory(_start, length > 0 && _buffer[_start + length - 1] == '\r' ? length - 1 : length);
                _start += length + 1;
                return (line, true);
            }
            if (_start == 0 && _end == _buffer.Length)
            {
                // Full buffer, no LF: hand out all but a trailing CR (it may start the CRLF).
                var take = _buffer[_end - 1] == '\r' ? _end - 1 : _end;
                _start = take;
                return (_buffer.AsMemory(0, take), false);
            }
            scanned = _end - _start;
            if (!await FillAsync(growTo: _buffer.Length))
                throw new LoadException("closed", "connection closed by the server");
        }
    }

    /// <summary>Reads and discards exactly <paramref name="count"/> bytes (an IMAP literal); returns them when asked to keep them.</summary>
    public async ValueTask<byte[]?> ReadExactAsync(long count, bool keep)
    {
        var kept = keep ? new byte[count] : null;
        long done = 0;
        while (done < count)
        {
            if (_end == _start && !await FillAsync(growTo: _buffer.Length))
                throw new LoadException("closed", "connection closed inside a literal");
            var n = (int)Math.Min(count - done, _end - _start);
            if (kept is not null) _buffer.AsSpan(_start, n).CopyTo(kept.AsSpan((int)done));
            _start += n;
            done += n;
        }
        return kept;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            await _stream.WriteAsync(data, Arm());
            Disarm();
        }
        catch (Exception e)
        {
            throw Map(e);
        }
        _counters?.Sent(data.Length);
    }

    /// <summary>Hard close, no QUIT and no TLS close_notify.</summary>
    public void Abort()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException) { }
        _socket.Dispose();
        _cts.Dispose();
    }

    private async ValueTask<bool> FillAsync(int growTo)
    {
        if (_start == _end) _start = _end = 0;
        else if (_start > 0 && _end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= growTo) return false;
            Array.Resize(ref _buffer, Math.Min(growTo, _buffer.Length * 2));
        }
        int n;
        try
        {
            n = await _stream.ReadAsync(_buffer.AsMemory(_end), Arm());
            Disarm();
        }
        catch (Exception e)
        {
            throw Map(e);
        }
        _end += n;
        _counters?.Received(n);
        return n > 0;
    }

    private CancellationToken Arm()
    {
        if (!_cts.TryReset())
        {
            _cts.Dispose();
            _cts = new CancellationTokenSource();
        }
        _cts.CancelAfter(_timeout);
        return _cts.Token;
    }

    private void Disarm() => _cts.TryReset();

    private Exception Map(Exception e) => e is OperationCanceledException && _cts.IsCancellationRequested
        ? new LoadException("timeout", $"no progress within {_timeout}")
        : LoadException.From(e, connecting: false);

    private static void BindSource(Socket socket, IPAddress source)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (OperatingSystem.IsLinux())
        {
            // IP_BIND_ADDRESS_NO_PORT (24): choose the port at connect time, per 4-tuple, so one source
            // address can carry far more connections than the ephemeral range.
            try
            {
                socket.SetRawSocketOption(0 /* IPPROTO_IP */, 24, BitConverter.GetBytes(1));
            }
            catch (SocketException) { }
        }
        socket.Bind(new IPEndPoint(source, 0));
    }
}
