using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// A bare SMTP client socket to any loopback address, for checking the scripted receiver's wire
/// behaviour (pipelined groups, exact bytes) where MailKit would hide it.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawSmtpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(endPoint, cts.Token);
            return new RawSmtpClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>One reply, all its lines joined with " | " after the code ("250 a | b"); null when the server closed.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(Timeout);
            if (line is null) return lines.Count == 0 ? null : throw new EndOfStreamException("closed inside a reply");
            lines.Add(line);
            if (line.Length < 4 || line[3] == ' ') return line[..3] + " " + string.Join(" | ", lines.Select(l => l.Length > 4 ? l[4..] : ""));
        }
    }

    public async Task<int> ReadCodeAsync() => int.Parse((await ReadReplyAsync() ?? throw new EndOfStreamException("server closed"))[..3]);

    /// <summary>True when the server closed (or reset) the connection without sending anything more.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try { return await _reader.ReadLineAsync().WaitAsync(Timeout) is null; }
        catch (IOException) { return true; }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
