using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMTA.Host;

/// <summary>`actormta ctl ...`: sends the words to the running node's admin endpoint and prints the answer.</summary>
public static class ControlClient
{
    public static async Task<int> RunAsync(IReadOnlyList<string> words, string dataDirectory, bool json)
    {
        var endpointFile = Path.Combine(dataDirectory, "admin.endpoint");
        var tokenFile = Path.Combine(dataDirectory, "admin.token");
        if (!File.Exists(endpointFile) || !File.Exists(tokenFile))
            throw new InvalidOperationException($"no running server found for data dir {dataDirectory}");
        var endpoint = IPEndPoint.Parse(File.ReadAllText(endpointFile).Trim());
        var request = new JsonObject
        {
            ["token"] = File.ReadAllText(tokenFile).Trim(),
            ["args"] = new JsonArray(words.Select(w => (JsonNode)w).ToArray()),
        };
        using var client = new TcpClient();
        try { await client.ConnectAsync(endpoint); }
        catch (SocketException) { throw new InvalidOperationException($"no running server answers at {endpoint} (data dir {dataDirectory})"); }
        await using var stream = client.GetStream();
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await writer.WriteLineAsync(request.ToJsonString());
        var line = await reader.ReadLineAsync() ?? throw new InvalidOperationException("the server closed the admin connection");
        var reply = JsonNode.Parse(line)!.AsObject();
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"actormta: {reply["error"]?.GetValue<string>()}");
            return 1;
        }
        Console.Write(json ? (reply["data"]?.ToJsonString() ?? "null") + "\n" : reply["text"]?.GetValue<string>());
        return 0;
    }
}
