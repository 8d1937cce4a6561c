using System.Globalization;
using System.Text;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Imap;

/// <summary>
/// The client side of an IMAP conversation on a <see cref="LoadConnection"/>: tags, quoting, and
/// reading untagged responses until the command's tagged one. Used by load sessions and the verifier.
/// </summary>
internal sealed class ImapClient(LoadConnection connection)
{
    private int _tag;

    public LoadConnection Connection { get; } = connection;

    /// <summary>Reads the greeting; throws a `greeting` failure unless it is `* OK`.</summary>
    public async Task GreetingAsync()
    {
        var greeting = await ImapResponse.ReadAsync(Connection, keepLiterals: false);
        if (greeting.Tag != "*" || greeting.Status != "OK") throw new LoadException($"greeting {greeting.Status}", greeting.Text);
    }

    /// <summary>
    /// Sends a command and reads until its tagged status, passing each untagged response to
    /// <paramref name="onUntagged"/>. Returns the tagged response (OK, NO or BAD).
    /// </summary>
    public async Task<ImapResponse> CommandAsync(string command, Action<ImapResponse>? onUntagged = null, bool keepLiterals = false)
    {
        var tag = "a" + (++_tag).ToString(CultureInfo.InvariantCulture);
        await Connection.WriteAsync(Encoding.UTF8.GetBytes($"{tag} {command}\r\n"));
        while (true)
        {
            var response = await ImapResponse.ReadAsync(Connection, keepLiterals);
            if (response.Tag == tag) return response;
            if (response.Tag == "*" && response.Status == "BYE" && command != "LOGOUT") throw new LoadException("BYE", response.Text);
            if (response.Tag == "+") throw new LoadException("protocol", $"unexpected continuation after '{command.Split(' ')[0]}'");
            onUntagged?.Invoke(response);
        }
    }

    /// <summary>Like <see cref="CommandAsync"/>, but anything but OK is a failure keyed `NAME NO` / `NAME BAD`.</summary>
    public async Task<ImapResponse> ExpectOkAsync(string command, Action<ImapResponse>? onUntagged = null, bool keepLiterals = false)
    {
        var response = await CommandAsync(command, onUntagged, keepLiterals);
        if (response.Status != "OK")
        {
            var name = command.Split(' ')[0].ToUpperInvariant();
            if (name == "UID") name += " " + command.Split(' ')[1].ToUpperInvariant();
            throw new LoadException($"{name} {response.Status}", response.Text);
        }
        return response;
    }

    public async Task StartTlsAsync(string targetHost)
    {
        await ExpectOkAsync("STARTTLS");
        await Connection.StartTlsAsync(targetHost);
    }

    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>UIDs as a compact set (1:5,7,9:12), in chunks of at most <paramref name="perChunk"/> UIDs.</summary>
    public static IEnumerable<string> UidSets(IEnumerable<long> uids, int perChunk = 500)
    {
        foreach (var chunk in uids.Order().Chunk(perChunk))
        {
            var set = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                var first = chunk[i];
                while (i + 1 < chunk.Length && chunk[i + 1] == chunk[i] + 1) i++;
                if (set.Length > 0) set.Append(',');
                set.Append(first.ToString(CultureInfo.InvariantCulture));
                if (chunk[i] != first) set.Append(':').Append(chunk[i].ToString(CultureInfo.InvariantCulture));
            }
            yield return set.ToString();
        }
    }
}
