using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>
/// An IMAP session spoken line by line over plain TCP, for tests that check exactly which untagged responses come
/// when. Literals in responses are read whole and kept as the text "{n}" plus their bytes.
/// </summary>
public sealed partial class RawImapSession : IAsyncDisposable
{
    private int _tag;

    private RawImapSession(TextConnection connection) => Connection = connection;

    public TextConnection Connection { get; }

    /// <summary>Every literal read so far, in order.</summary>
    public List<byte[]> Literals { get; } = [];

    /// <summary>Logged in over the plain port (the server must run with imap.auth-requires-tls = off).</summary>
    public static async Task<RawImapSession> LoginAsync(int port, TestUser user)
    {
        var session = new RawImapSession(await TextConnection.ConnectAsync(port));
        var greeting = await session.Connection.ReadLineAsync();
        if (greeting?.StartsWith("* OK") != true) throw new InvalidOperationException("no greeting: " + greeting);
        var login = await session.CommandAsync($"LOGIN \"{user.Address}\" \"{user.Password}\"");
        if (!login[^1].Contains(" OK ")) throw new InvalidOperationException("login failed: " + login[^1]);
        return session;
    }

    public string NextTag() => "t" + ++_tag;

    /// <summary>Sends one command and returns every line up to and including its tagged reply.</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = NextTag();
        await Connection.WriteLineAsync(tag + " " + command);
        return await ReadUntilTaggedAsync(tag);
    }

    /// <summary>APPEND with a synchronising literal; returns the lines up to the tagged reply.</summary>
    public async Task<List<string>> AppendAsync(string mailbox, string message, string flags = "")
    {
        var tag = NextTag();
        var bytes = Encoding.UTF8.GetBytes(message);
        await Connection.WriteLineAsync($"{tag} APPEND {mailbox} {(flags.Length > 0 ? "(" + flags + ") " : "")}{{{bytes.Length}}}");
        var ready = await Connection.ReadLineAsync();
        if (ready?.StartsWith('+') != true) throw new InvalidOperationException("APPEND not accepted: " + ready);
        await Connection.WriteAsync(bytes.Concat("\r\n"u8.ToArray()).ToArray());
        return await ReadUntilTaggedAsync(tag);
    }

    /// <summary>Sends several commands at once (pipelined) and returns all lines up to the last one's tagged reply.</summary>
    public async Task<List<string>> PipelineAsync(params string[] commands)
    {
        var tags = commands.Select(_ => NextTag()).ToList();
        var text = new StringBuilder();
        for (var i = 0; i < commands.Length; i++) text.Append(tags[i]).Append(' ').Append(commands[i]).Append("\r\n");
        await Connection.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
        return await ReadUntilTaggedAsync(tags[^1]);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadResponseLineAsync() ?? throw new IOException("connection closed after: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return lines;
        }
    }

    /// <summary>One response line; a literal inside it is read and replaced by "{n}", its bytes kept in <see cref="Literals"/>.</summary>
    public async Task<string?> ReadResponseLineAsync()
    {
        var line = await Connection.ReadLineAsync();
        if (line is null) return null;
        var text = new StringBuilder(line);
        // Only the part read last can end with a new literal (a literal may be the line's last item: LIST of a UTF-8 name).
        var last = line;
        while (LiteralAtEnd().Match(last) is { Success: true } literal)
        {
            Literals.Add(await Connection.ReadBytesAsync(int.Parse(literal.Groups[1].Value)));
            last = await Connection.ReadLineAsync() ?? throw new IOException("connection closed after a literal");
            text.Append(last);
        }
        return text.ToString();
    }

    /// <summary>Whether the server sent anything unasked within <paramref name="wait"/>.</summary>
    public async Task<bool> SendsNothingWithinAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        return !Connection.HasUnreadData;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    [GeneratedRegex(@"\{(\d+)\}$")]
    private static partial Regex LiteralAtEnd();
}
