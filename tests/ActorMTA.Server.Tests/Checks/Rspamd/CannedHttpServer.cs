using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Server.Tests.Checks.Rspamd;

/// <summary>
/// A loopback HTTP peer that misbehaves on purpose: it reads each request and answers with a fixed raw response, or
/// (with a null response) accepts and never answers; the first <c>dropConnections</c> connections are closed after
/// the request without an answer, as a restarting server does; <c>answerDelay</c> answers late, as a busy one does.
/// Rspamd itself cannot be made to do these on cue.
/// </summary>
internal sealed class CannedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly Task _acceptLoop;
    private readonly int _dropConnections;
    private readonly TimeSpan _answerDelay;
    private int _connections;

    public CannedHttpServer(string? rawResponse, int dropConnections = 0, TimeSpan answerDelay = default)
    {
        _dropConnections = dropConnections;
        _answerDelay = answerDelay;
        _listener.Start();
        _acceptLoop = AcceptAsync(rawResponse);
    }

    /// <summary>How many connections were accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public static string Response(int status, string reason, string body) =>
        $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

    private async Task AcceptAsync(string? rawResponse)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_held)
                    _held.Add(client);
                var number = Interlocked.Increment(ref _connections);
                if (number <= _dropConnections)
                    _ = DropAsync(client);
                else if (rawResponse is not null)
                    _ = AnswerAsync(client, rawResponse);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task AnswerAsync(TcpClient client, string rawResponse)
    {
        try
        {
            var stream = client.GetStream();
            await ReadRequestAsync(stream);
            if (_answerDelay > TimeSpan.Zero)
                await Task.Delay(_answerDelay, _stop.Token);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(rawResponse), _stop.Token);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away first.
        }
    }

    private async Task DropAsync(TcpClient client)
    {
        try
        {
            await ReadRequestAsync(client.GetStream());
            client.Client.Close();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The client went away first.
        }
    }

    /// <summary>Reads the header block and the Content-Length body, so the client sees its whole request taken.</summary>
    private async Task ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
                return;
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
        var headers = Encoding.ASCII.GetString(received.ToArray(), 0, headerEnd);
        var length = headers.Split("\r\n")
            .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h["Content-Length:".Length..].Trim()))
            .FirstOrDefault();
        var remaining = length - (received.Count - headerEnd - 4);
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), _stop.Token);
            if (read == 0)
                return;
            remaining -= read;
        }
    }

    private static int IndexOfBlankLine(List<byte> data)
    {
        for (var i = 0; i + 3 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
                return i;
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        lock (_held)
        {
            foreach (var client in _held)
                client.Dispose();
        }
        _stop.Dispose();
    }
}
