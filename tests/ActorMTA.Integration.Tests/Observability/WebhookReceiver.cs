using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// A minimal HTTP/1.1 server on a real socket for webhook tests: bound at once (so its port is known before the server
/// starts) but refusing connections until <see cref="Up"/>; answers each POST with the status <see cref="StatusFor"/>
/// picks and keeps every request's headers and body.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public WebhookReceiver(string address)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The status for request number n (1-based).</summary>
    public Func<int, int> StatusFor { get; set; } = _ => 200;

    public ConcurrentQueue<(int Status, Dictionary<string, string> Headers, byte[] Body)> Requests { get; } = new();

    public void Up()
    {
        _socket.Listen(64);
        _ = Task.Run(AcceptAsync);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _socket.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int end;
                while ((end = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
                {
                    var n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0) return;
                    buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                }
                var head = Encoding.ASCII.GetString(buffer.GetRange(0, end).ToArray()).Split("\r\n");
                var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
                var length = int.Parse(headers.GetValueOrDefault("content-length", "0"));
                buffer.RemoveRange(0, end + 4);
                while (buffer.Count < length)
                {
                    var n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0) return;
                    buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                }
                var body = buffer.GetRange(0, length).ToArray();
                buffer.RemoveRange(0, length);
                var status = StatusFor(Interlocked.Increment(ref _requests));
                Requests.Enqueue((status, headers, body));
                var reply = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Length: 0\r\n\r\n");
                await stream.WriteAsync(reply, _stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
    }

    private static int IndexOf(List<byte> data, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= data.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++) match = data[i + j] == pattern[j];
            if (match) return i;
        }
        return -1;
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
