using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// A minimal, fast SMTP receiver: EHLO with PIPELINING / 8BITMIME / ENHANCEDSTATUSCODES, accepts
/// every sender, recipient and message, replies are batched while pipelined commands are buffered.
/// It counts connections, messages, recipients and bytes, and records the X-Load-Id of each
/// message once per recipient, which is what `--verify sink` checks.
/// </summary>
internal sealed class Sink : IArrivalSource, IAsyncDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Recipient, string Id), int> _arrivals = new();
    private readonly ConcurrentDictionary<Task, bool> _sessions = new();
    private Task? _acceptLoop;
    private long _connections;
    private long _open;
    private long _messages;
    private long _recipients;
    private long _bytes;
    private long _withoutId;

    public Sink(IPEndPoint endpoint)
    {
        Endpoint = endpoint;
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }

    public IPEndPoint Endpoint { get; }
    public long Connections => Interlocked.Read(ref _connections);
    public long OpenConnections => Interlocked.Read(ref _open);
    public long Messages => Interlocked.Read(ref _messages);
    public long Recipients => Interlocked.Read(ref _recipients);
    public long Bytes => Interlocked.Read(ref _bytes);
    public long MessagesWithoutId => Interlocked.Read(ref _withoutId);

    /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        _listener.Bind(Endpoint);
        _listener.Listen(4096);
        _acceptLoop = AcceptLoopAsync();
    }

    public Task<Dictionary<string, Dictionary<string, int>>> ScanAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel)
    {
        var wanted = mailboxes.ToHashSet(StringComparer.Ordinal);
        var result = wanted.ToDictionary(b => b, _ => new Dictionary<string, int>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var ((recipient, id), count) in _arrivals)
        {
            if (result.TryGetValue(recipient, out var counts)) counts[id] = count;
        }
        return Task.FromResult(result);
    }

    /// <summary>Nothing is stored, so nothing to delete.</summary>
    public Task<long> DeleteAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel) => Task.FromResult(0L);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            try { await _acceptLoop; }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        }
        await Task.WhenAll(_sessions.Keys);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue; // e.g. the client reset before accept
            }
            socket.NoDelay = true;
            var session = Task.Run(() => ServeAsync(socket));
            _sessions[session] = true;
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _open);
        var connection = LoadConnection.Accepted(socket, 16 * 1024, IdleTimeout);
        await using var onStop = _stop.Token.Register(connection.Abort);
        var replies = new StringBuilder();
        var recipients = new List<string>();
        try
        {
            await connection.WriteAsync("220 actormta-load sink ESMTP\r\n"u8.ToArray());
            while (!_stop.IsCancellationRequested)
            {
                var line = Encoding.UTF8.GetString((await connection.ReadLineAsync()).Span);
                var space = line.IndexOf(' ');
                var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        replies.Append("250-actormta-load sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
                        recipients.Clear();
                        break;
                    case "HELO":
                        replies.Append("250 actormta-load sink\r\n");
                        recipients.Clear();
                        break;
                    case "MAIL":
                        recipients.Clear();
                        replies.Append("250 2.1.0 Ok\r\n");
                        break;
                    case "RCPT":
                        recipients.Add(AddressOf(line));
                        replies.Append("250 2.1.5 Ok\r\n");
                        break;
                    case "DATA" when recipients.Count == 0:
                        replies.Append("503 5.5.1 No valid recipients\r\n");
                        break;
                    case "DATA":
                        replies.Append("354 End data with <CR><LF>.<CR><LF>\r\n");
                        await FlushAsync(connection, replies);
                        var (id, bytes) = await ReadMessageAsync(connection);
                        Record(id, recipients, bytes);
                        recipients.Clear();
                        replies.Append("250 2.0.0 Ok: queued\r\n");
                        break;
                    case "RSET":
                        recipients.Clear();
                        replies.Append("250 2.0.0 Ok\r\n");
                        break;
                    case "NOOP":
                        replies.Append("250 2.0.0 Ok\r\n");
                        break;
                    case "QUIT":
                        replies.Append("221 2.0.0 Bye\r\n");
                        await FlushAsync(connection, replies);
                        return;
                    default:
                        replies.Append("502 5.5.2 Command not implemented\r\n");
                        break;
                }
                if (!connection.HasBufferedLine) await FlushAsync(connection, replies);
            }
        }
        catch (LoadException)
        {
            // The client went away or stalled: nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            await connection.DisposeAsync();
        }
    }

    private void Record(string? id, List<string> recipients, long bytes)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _recipients, recipients.Count);
        Interlocked.Add(ref _bytes, bytes);
        if (id is null)
        {
            Interlocked.Increment(ref _withoutId);
            return;
        }
        foreach (var recipient in recipients) _arrivals.AddOrUpdate((recipient, id), 1, static (_, n) => n + 1);
    }

    /// <summary>Reads message content up to the lone dot; returns its X-Load-Id (from the header section) and size.</summary>
    private static async Task<(string? Id, long Bytes)> ReadMessageAsync(LoadConnection connection)
    {
        string? id = null;
        long bytes = 0;
        var inHeader = true;
        var atLineStart = true;
        while (true)
        {
            var (piece, complete) = await connection.ReadLinePieceAsync();
            bytes += piece.Length + (complete ? 2 : 0);
            if (atLineStart && complete)
            {
                var span = piece.Span;
                if (span is [(byte)'.']) return (id, bytes - 3);
                if (span.Length == 0) inHeader = false;
                else if (inHeader && id is null && LoadIdHeader.TryParse(span, out var value)) id = value;
            }
            atLineStart = complete;
        }
    }

    private static string AddressOf(string line)
    {
        var open = line.IndexOf('<');
        var close = open < 0 ? -1 : line.IndexOf('>', open + 1);
        if (open >= 0 && close > open) return line[(open + 1)..close];
        var colon = line.IndexOf(':');
        return colon < 0 ? "" : line[(colon + 1)..].Trim().Split(' ')[0];
    }

    private static async Task FlushAsync(LoadConnection connection, StringBuilder replies)
    {
        if (replies.Length == 0) return;
        var bytes = Encoding.ASCII.GetBytes(replies.ToString());
        replies.Clear();
        await connection.WriteAsync(bytes);
    }
}
