using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMTA.Host;

/// <summary>`actormta ctl ...`: sends the words to the running node's admin endpoint and prints the answer.</summary>
public static class ControlClient
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(15);

    /// <param name="node">HOST:PORT of a node's admin endpoint (with <paramref name="token"/>), or null for the data dir's node.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> words, string dataDirectory, bool json, string? node = null, string? token = null)
    {
        var endpoint = EndpointFor(dataDirectory, node, token);
        using var interrupted = new CancellationTokenSource();
        // Ctrl-C ends a streaming command (cluster tail) cleanly, with exit code 0.
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Cancel(); };
        try
        {
            return await ExchangeAsync(endpoint, words, json, interrupted.Token);
        }
        catch (SocketException) { throw new InvalidOperationException($"no running server answers at {endpoint.Address}{(node is null ? $" (data dir {dataDirectory})" : "")}"); }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested) { return 0; }
    }

    /// <param name="node">HOST:PORT of a node's admin endpoint (with <paramref name="token"/>), or null for the data dir's node.</param>
    private static Endpoint EndpointFor(string dataDirectory, string? node, string? token) =>
        node is not null
            ? new Endpoint(ParseNode(node), token ?? Environment.GetEnvironmentVariable("ACTORMTA_CTL_TOKEN")
                ?? throw new UsageException("--node needs --token (or ACTORMTA_CTL_TOKEN): the cluster's actormta.admin.token"))
            : FindEndpoint(dataDirectory) ?? throw new InvalidOperationException($"no running server found for data dir {dataDirectory}");

    private static IPEndPoint ParseNode(string node) =>
        IPEndPoint.TryParse(node, out var address) && address.Port != 0
            ? address
            : throw new UsageException($"--node wants IP:PORT of a node's admin endpoint, not '{node}'");

    /// <summary>One request; stream lines ("stream": true) are printed as they come, the last line is the answer.</summary>
    private static async Task<int> ExchangeAsync(Endpoint endpoint, IReadOnlyList<string> words, bool json, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Address, ct);
        await using var stream = client.GetStream();
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await writer.WriteLineAsync(Request(endpoint, words).ToJsonString().AsMemory(), ct);
        var streamed = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(ct);
            // A stream ends when the node stops; any other answer must come.
            if (line is null) return streamed ? 0 : throw new InvalidOperationException("the node closed the admin connection without an answer");
            var reply = JsonNode.Parse(line)!.AsObject();
            if (reply["ok"]?.GetValue<bool>() != true)
            {
                Console.Error.WriteLine($"actormta: {reply["error"]?.GetValue<string>()}");
                return 1;
            }
            var streaming = reply["stream"]?.GetValue<bool>() == true;
            streamed |= streaming;
            Console.Write(json ? (reply["data"]?.ToJsonString() ?? "null") + "\n" : reply["text"]?.GetValue<string>() + (streaming ? "\n" : ""));
            if (!streaming) return 0;
            await Console.Out.FlushAsync(ct);
        }
    }

    private static JsonObject Request(Endpoint endpoint, IReadOnlyList<string> words) => new()
    {
        ["token"] = endpoint.Token,
        ["args"] = new JsonArray(words.Select(w => (JsonNode)w).ToArray()),
    };

    /// <summary>
    /// After a user/domain/alias change: makes the running server (if any) read the accounts database now and
    /// waits for it, so the change is in effect when the command returns. No endpoint file, or nobody listening
    /// on it, means no server runs: then the database alone is the truth and there is nothing to do. A server
    /// that does not confirm gets a warning; it still notices within actormta.accounts.refresh-interval.
    /// </summary>
    public static Task NotifyAccountsChangedAsync(string dataDirectory) =>
        NotifyChangedAsync(dataDirectory, ["accounts", "reload"], "actormta.accounts.refresh-interval");

    /// <summary>After a suppression add/del/import: the same for the suppression list.</summary>
    public static Task NotifySuppressionChangedAsync(string dataDirectory) =>
        NotifyChangedAsync(dataDirectory, ["suppression", "reload"], "actormta.suppression.refresh-interval");

    private static async Task NotifyChangedAsync(string dataDirectory, IReadOnlyList<string> reload, string refreshKey)
    {
        var endpoint = FindEndpoint(dataDirectory);
        if (endpoint is null) return;
        string? problem;
        try
        {
            using var timeout = new CancellationTokenSource(ReloadTimeout);
            var reply = await SendAsync(endpoint, reload, timeout.Token);
            problem = reply["ok"]?.GetValue<bool>() == true ? null : reply["error"]?.GetValue<string>() ?? "no answer";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or InvalidOperationException or System.Text.Json.JsonException)
        {
            problem = e.Message;
        }
        if (problem is not null)
            Console.Error.WriteLine($"actormta: warning: saved, but the running server did not confirm the reload ({problem}); it notices within {refreshKey}");
    }

    /// <summary>One command's data (its --json answer), for commands built on others (`ctl top`); an error throws.</summary>
    public static async Task<JsonObject> QueryAsync(IReadOnlyList<string> words, string dataDirectory, string? node, string? token, CancellationToken ct)
    {
        var endpoint = EndpointFor(dataDirectory, node, token);
        JsonObject reply;
        try
        {
            reply = await SendAsync(endpoint, words, ct);
        }
        catch (SocketException)
        {
            throw new InvalidOperationException($"no running server answers at {endpoint.Address}");
        }
        if (reply["ok"]?.GetValue<bool>() != true) throw new InvalidOperationException(reply["error"]?.GetValue<string>() ?? "the node gave no answer");
        return reply["data"] as JsonObject ?? new JsonObject();
    }

    private sealed record Endpoint(IPEndPoint Address, string Token);

    private static Endpoint? FindEndpoint(string dataDirectory)
    {
        var endpointFile = Path.Combine(dataDirectory, "admin.endpoint");
        var tokenFile = Path.Combine(dataDirectory, "admin.token");
        try
        {
            if (!File.Exists(endpointFile) || !File.Exists(tokenFile)) return null;
            return new Endpoint(IPEndPoint.Parse(File.ReadAllText(endpointFile).Trim()), File.ReadAllText(tokenFile).Trim());
        }
        catch (FileNotFoundException)
        {
            // The server stopped between the check and the read.
            return null;
        }
    }

    private static async Task<JsonObject> SendAsync(Endpoint endpoint, IReadOnlyList<string> words, CancellationToken ct)
    {
        var request = Request(endpoint, words);
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Address, ct);
        await using var stream = client.GetStream();
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await writer.WriteLineAsync(request.ToJsonString().AsMemory(), ct);
        var line = await reader.ReadLineAsync(ct) ?? throw new InvalidOperationException("the server closed the admin connection");
        return JsonNode.Parse(line)!.AsObject();
    }
}
