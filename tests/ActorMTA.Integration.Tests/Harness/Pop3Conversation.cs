using System.Globalization;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>A hand-driven POP3 client session (RFC 1939, STLS from RFC 2595).</summary>
public sealed class Pop3Conversation : IAsyncDisposable
{
    private Pop3Conversation(TextConnection connection, string greeting)
    {
        Connection = connection;
        Greeting = greeting;
    }

    public TextConnection Connection { get; }
    public string Greeting { get; }

    public static async Task<Pop3Conversation> OpenAsync(int port, bool implicitTls = false)
    {
        var connection = await TextConnection.ConnectAsync(port, implicitTls);
        try
        {
            var greeting = await connection.ReadLineAsync() ?? throw new EndOfStreamException("no POP3 greeting");
            if (!greeting.StartsWith("+OK", StringComparison.Ordinal)) throw new InvalidOperationException($"unexpected greeting: {greeting}");
            return new Pop3Conversation(connection, greeting);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens, does STLS (unless told not to) and logs in with USER/PASS.</summary>
    public static async Task<Pop3Conversation> OpenLoggedInAsync(int port, TestUser user, bool stls = true)
    {
        var pop = await OpenAsync(port);
        try
        {
            if (stls) await pop.StlsAsync();
            Expect(await pop.CommandAsync($"USER {user.Address}"));
            Expect(await pop.CommandAsync($"PASS {user.Password}"));
            return pop;
        }
        catch
        {
            await pop.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a command, returns its status line (+OK.../-ERR...).</summary>
    public async Task<string> CommandAsync(string line)
    {
        await Connection.WriteLineAsync(line);
        return await Connection.ReadLineAsync() ?? throw new EndOfStreamException($"connection closed after '{line}'");
    }

    /// <summary>A command with a multi-line answer: status line, then the dot-unstuffed lines (no CRLF) when +OK.</summary>
    public async Task<(string Status, List<byte[]> Lines)> MultiLineAsync(string line)
    {
        var status = await CommandAsync(line);
        var lines = new List<byte[]>();
        if (!status.StartsWith("+OK", StringComparison.Ordinal)) return (status, lines);
        while (true)
        {
            var l = await Connection.ReadLineBytesAsync() ?? throw new EndOfStreamException($"connection closed inside the answer to '{line}'");
            if (l is [(byte)'.']) return (status, lines);
            lines.Add(l is [(byte)'.', ..] ? l[1..] : l);
        }
    }

    public async Task StlsAsync()
    {
        Expect(await CommandAsync("STLS"));
        await Connection.UpgradeToTlsAsync();
    }

    public async Task<(int Count, long Size)> StatAsync()
    {
        var parts = Expect(await CommandAsync("STAT")).Split(' ');
        return (int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>RETR n, reassembled with CRLF line ends: the stored message bytes.</summary>
    public async Task<byte[]> RetrAsync(int number)
    {
        var (status, lines) = await MultiLineAsync($"RETR {number}");
        Expect(status);
        return JoinLines(lines);
    }

    /// <summary>UIDL: message number to unique id.</summary>
    public async Task<Dictionary<int, string>> UidlAsync()
    {
        var (status, lines) = await MultiLineAsync("UIDL");
        Expect(status);
        return lines.Select(l => System.Text.Encoding.ASCII.GetString(l).Split(' '))
            .ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => p[1]);
    }

    public async Task<string> QuitAsync() => await CommandAsync("QUIT");

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    public static byte[] JoinLines(IEnumerable<byte[]> lines)
    {
        var output = new MemoryStream();
        foreach (var l in lines)
        {
            output.Write(l);
            output.Write("\r\n"u8);
        }
        return output.ToArray();
    }

    public static string Expect(string status) =>
        status.StartsWith("+OK", StringComparison.Ordinal) ? status : throw new InvalidOperationException($"expected +OK, server said: {status}");
}
