using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ActorMTA.Server.Admin;

/// <summary>
/// The operator's way into a running node (`actormta ctl ...`): loopback TCP, one JSON request line,
/// one JSON reply line. Only a caller that can read the data dir's token file gets in, so access
/// follows the data dir's file permissions. The bound port is published in the data dir too.
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    public const string TokenFile = "admin.token";
    public const string EndpointFile = "admin.endpoint";

    private readonly Socket _socket;
    private readonly string _token;
    private readonly AdminCommands _commands;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private readonly string _endpointFile;

    private AdminEndpoint(Socket socket, string token, AdminCommands commands, string endpointFile)
    {
        _endpointFile = endpointFile;
        _socket = socket;
        _token = token;
        _commands = commands;
        _loop = Task.Run(AcceptLoop);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <param name="configuredToken">The cluster-wide token of actormta.admin.token, or empty for a random one.</param>
    public static AdminEndpoint Start(string dataDirectory, IPAddress bind, int port, AdminCommands commands, string configuredToken = "")
    {
        var token = configuredToken.Length > 0 ? configuredToken : Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var tokenPath = Path.Combine(dataDirectory, TokenFile);
        File.WriteAllText(tokenPath, token);
        File.SetUnixFileMode(tokenPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(bind, port));
        socket.Listen(64);
        var endpointFile = Path.Combine(dataDirectory, EndpointFile);
        var endpoint = new AdminEndpoint(socket, token, commands, endpointFile);
        File.WriteAllText(endpointFile, endpoint.EndPoint.ToString());
        return endpoint;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _socket.AcceptAsync(_stop.Token); }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        JsonObject reply;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var line = await reader.ReadLineAsync(timeout.Token) ?? "";
            var request = JsonNode.Parse(line) as JsonObject ?? throw new AdminException("request must be a JSON object");
            var token = request["token"]?.GetValue<string>() ?? "";
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token), Encoding.ASCII.GetBytes(_token)))
                throw new AdminException("bad admin token (run ctl with the server's --data-dir, or --token with actormta.admin.token)");
            var args = request["args"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [];
            if (args is ["cluster", "tail"])
            {
                await StreamClusterEvents(reader, writer);
                return;
            }
            // Off the socket's thread: some commands read a database synchronously (accounts reload).
            var result = await Task.Run(() => _commands.ExecuteAsync(args));
            reply = new JsonObject { ["ok"] = true, ["text"] = result.Text, ["data"] = result.Data };
        }
        catch (Exception e) when (e is AdminException or JsonException or InvalidOperationException or OperationCanceledException or Akka.Actor.AskTimeoutException)
        {
            reply = new JsonObject { ["ok"] = false, ["error"] = e.Message };
        }
        catch (Exception e)
        {
            // A fault of ours still gets an answer (ctl exits 1 with it) instead of a silently closed connection.
            reply = new JsonObject { ["ok"] = false, ["error"] = "internal error: " + e.Message };
        }
        try { await writer.WriteLineAsync(reply.ToJsonString()); }
        catch (IOException) { }
    }

    /// <summary>`ctl cluster tail`: one JSON line per event ("stream": true) until the client goes away or the node stops.</summary>
    private async Task StreamClusterEvents(StreamReader reader, StreamWriter writer)
    {
        var events = Channel.CreateBounded<(string Text, JsonObject Data)>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        var tap = _commands.System.ActorOf(ClusterEventTap.Props(events.Writer));
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        // The client sends nothing more: a read that ends means it hung up (Ctrl-C).
        _ = reader.ReadLineAsync(gone.Token).AsTask().ContinueWith(_ => gone.Cancel(), TaskScheduler.Default);
        try
        {
            await foreach (var (text, data) in events.Reader.ReadAllAsync(gone.Token))
            {
                await writer.WriteLineAsync(new JsonObject { ["ok"] = true, ["stream"] = true, ["text"] = text, ["data"] = data }.ToJsonString());
                await writer.FlushAsync(gone.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
        finally
        {
            _commands.System.Stop(tap);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The CLI takes a missing endpoint file as "no server runs" and then only writes the accounts database.
        try { File.Delete(_endpointFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stop.Cancel();
        _socket.Close();
        try { await _loop; } catch { /* closing */ }
        _stop.Dispose();
    }
}

/// <summary>An operator mistake or an unknown name: reported to ctl as one line.</summary>
public sealed class AdminException(string message) : Exception(message);

/// <summary>A command's answer: a table for people and the same facts as JSON for scripts.</summary>
public sealed record AdminResult(string Text, JsonNode? Data);
