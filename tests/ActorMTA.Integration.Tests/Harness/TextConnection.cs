using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>
/// A raw client socket that speaks in CRLF lines and bytes, for conversations a library client
/// would refuse to have (bad input, pipelining, BDAT, idle sessions). Can switch to TLS in place.
/// Every read has a deadline so a silent server fails the test instead of hanging it.
/// </summary>
public sealed class TextConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private TextConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public TimeSpan ReadTimeout { get; set; } = DefaultTimeout;

    public bool IsTls => _stream is SslStream;

    /// <summary>The stream itself, for a test that layers its own protocol on it (nothing may be buffered here).</summary>
    public Stream UnderlyingStream => _end == _start ? _stream : throw new InvalidOperationException("bytes are still buffered");

    /// <param name="localAddress">Client address to connect from (another 127.x address), for tests of per-address state.</param>
    public static async Task<TextConnection> ConnectAsync(int port, bool implicitTls = false, IPAddress? localAddress = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localAddress is not null) socket.Bind(new IPEndPoint(localAddress, 0));
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            var connection = new TextConnection(socket, new NetworkStream(socket, ownsSocket: false));
            if (implicitTls) await connection.UpgradeToTlsAsync();
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>TLS handshake on the open connection (after STARTTLS/STLS was accepted, or implicit TLS).</summary>
    public async Task UpgradeToTlsAsync()
    {
        if (_end != _start) throw new InvalidOperationException("plaintext bytes arrived after the TLS go-ahead (possible injection)");
        // The server's certificate is self-signed: these tests check the protocol, not the PKI.
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = ServerProcess.HostName }, cts.Token);
        _stream = ssl;
    }

    public Task WriteLineAsync(string line) => WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _stream.WriteAsync(bytes, cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    /// <summary>The next line without its CRLF (UTF-8), or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var bytes = await ReadLineBytesAsync();
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The next line's bytes without CRLF (a bare LF also ends a line), or null at end of stream.</summary>
    public async Task<byte[]?> ReadLineBytesAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            for (var i = _start; i < _end; i++)
            {
                if (_buffer[i] != (byte)'\n') continue;
                line.AddRange(_buffer.AsSpan(_start, i - _start).ToArray());
                _start = i + 1;
                if (line.Count > 0 && line[^1] == (byte)'\r') line.RemoveAt(line.Count - 1);
                return line.ToArray();
            }
            line.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
            _start = _end = 0;
            if (!await FillAsync()) return line.Count == 0 ? null : line.ToArray();
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes (an IMAP literal), or fewer at end of stream.</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end && !await FillAsync()) return result[..filled];
            var n = Math.Min(count - filled, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(result.AsSpan(filled));
            _start += n;
            filled += n;
        }
        return result;
    }

    /// <summary>Whether the server has sent bytes not read yet (plain TCP: what the socket holds is all there is).</summary>
    public bool HasUnreadData => _end > _start || _socket.Available > 0;

    /// <summary>True when the server closed the connection (or reset it) and sent nothing more.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        if (_end > _start) return false;
        try
        {
            return !await FillAsync();
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Hard close without QUIT (and without a TLS close_notify).</summary>
    public void Abort()
    {
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { }
        _socket.Close(0);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _stream.DisposeAsync(); }
        catch (IOException) { }
        _socket.Dispose();
    }

    private async Task<bool> FillAsync()
    {
        if (_start == _end) _start = _end = 0;
        using var cts = new CancellationTokenSource(ReadTimeout);
        int n;
        try
        {
            n = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no data from the server within {ReadTimeout}");
        }
        _end += n;
        return n > 0;
    }
}
