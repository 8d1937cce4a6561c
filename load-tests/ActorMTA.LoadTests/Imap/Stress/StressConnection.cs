using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.LoadTests.Imap.Stress;

/// <summary>
/// A plain IMAP connection for the stress test: one reader and one writer may run at once (pipelining and IDLE).
/// A response is its lines joined, each literal replaced by {n} and kept whole.
/// </summary>
internal sealed partial class StressConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private StressConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<StressConnection> ConnectAsync(IPEndPoint target)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target);
        return new StressConnection(socket);
    }

    public async Task WriteAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>The next response, or null when the server closed the connection.</summary>
    public async Task<(string Text, List<byte[]> Literals)?> ReadResponseAsync()
    {
        var text = new StringBuilder();
        var literals = new List<byte[]>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null) return null;
            text.Append(line);
            if (LiteralAtEnd().Match(line) is not { Success: true } literal) return (text.ToString(), literals);
            var count = int.Parse(literal.Groups[1].ValueSpan);
            var bytes = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync()) return null;
                var n = Math.Min(count - filled, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(bytes.AsSpan(filled));
                _start += n;
                filled += n;
            }
            literals.Add(bytes);
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                line.AddRange(span[..lf].ToArray());
                _start += lf + 1;
                if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
                return Encoding.UTF8.GetString(line.ToArray());
            }
            line.AddRange(span.ToArray());
            _start = _end = 0;
            if (!await FillAsync()) return null;
        }
    }

    private async Task<bool> FillAsync()
    {
        if (_start == _end) _start = _end = 0;
        int n;
        try
        {
            n = await _stream.ReadAsync(_buffer.AsMemory(_end));
        }
        catch (IOException)
        {
            return false;
        }
        _end += n;
        return n > 0;
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        await _stream.DisposeAsync();
    }

    [GeneratedRegex(@"\{(\d+)\+?\}$")]
    private static partial Regex LiteralAtEnd();
}
