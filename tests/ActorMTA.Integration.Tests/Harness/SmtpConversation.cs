using System.Net;
using System.Text;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>A hand-driven SMTP client session: every command and every reply is visible to the test.</summary>
public sealed class SmtpConversation : IAsyncDisposable
{
    private SmtpConversation(TextConnection connection, SmtpReply greeting)
    {
        Connection = connection;
        Greeting = greeting;
    }

    public TextConnection Connection { get; }
    public SmtpReply Greeting { get; }

    public static async Task<SmtpConversation> OpenAsync(int port, bool implicitTls = false, IPAddress? localAddress = null) =>
        await GreetedAsync(await TextConnection.ConnectAsync(port, implicitTls, localAddress));

    /// <summary>A conversation on a connection the caller opened (and prepared, e.g. with a PROXY header): reads the greeting.</summary>
    public static async Task<SmtpConversation> GreetedAsync(TextConnection connection)
    {
        try
        {
            var greeting = await ReadReplyAsync(connection);
            if (greeting.Code != 220) throw new InvalidOperationException($"unexpected greeting: {greeting}");
            return new SmtpConversation(connection, greeting);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens, greets with EHLO and (optionally) does STARTTLS and AUTH PLAIN.</summary>
    public static async Task<SmtpConversation> OpenReadyAsync(int port, bool startTls = false, TestUser? auth = null, bool implicitTls = false,
        IPAddress? localAddress = null)
    {
        var smtp = await OpenAsync(port, implicitTls, localAddress);
        try
        {
            Expect(await smtp.CommandAsync("EHLO client.test"), 250);
            if (startTls) await smtp.StartTlsAsync();
            if (auth is not null) Expect(await smtp.AuthPlainAsync(auth.Address, auth.Password), 235);
            return smtp;
        }
        catch
        {
            await smtp.DisposeAsync();
            throw;
        }
    }

    public Task<SmtpReply> ReadReplyAsync() => ReadReplyAsync(Connection);

    public async Task<SmtpReply> CommandAsync(string line)
    {
        await Connection.WriteLineAsync(line);
        return await ReadReplyAsync();
    }

    /// <summary>STARTTLS, the handshake, and the EHLO that RFC 3207 requires afterwards.</summary>
    public async Task<SmtpReply> StartTlsAsync()
    {
        Expect(await CommandAsync("STARTTLS"), 220);
        await Connection.UpgradeToTlsAsync();
        return Expect(await CommandAsync("EHLO client.test"), 250);
    }

    public Task<SmtpReply> AuthPlainAsync(string user, string password)
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        return CommandAsync($"AUTH PLAIN {token}");
    }

    /// <summary>MAIL, RCPT (each must get 250), DATA, the dot-stuffed message; returns the reply to the final dot.</summary>
    public async Task<SmtpReply> SendMessageAsync(string from, IEnumerable<string> to, byte[] message, string mailParameters = "")
    {
        Expect(await CommandAsync($"MAIL FROM:<{from}>{(mailParameters.Length > 0 ? " " + mailParameters : "")}"), 250);
        foreach (var rcpt in to) Expect(await CommandAsync($"RCPT TO:<{rcpt}>"), 250);
        Expect(await CommandAsync("DATA"), 354);
        await Connection.WriteAsync(DotStuffed(message));
        return await ReadReplyAsync();
    }

    public async Task QuitAsync()
    {
        await Connection.WriteLineAsync("QUIT");
        await ReadReplyAsync();
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    /// <summary>Sends one message in its own session and requires 250.</summary>
    public static async Task<SmtpReply> DeliverAsync(int port, string from, string to, byte[] message)
    {
        await using var smtp = await OpenReadyAsync(port);
        var reply = Expect(await smtp.SendMessageAsync(from, [to], message), 250);
        await smtp.QuitAsync();
        return reply;
    }

    /// <summary>RFC 5321 section 4.5.2 transparency plus the terminating ".CRLF". The message must end with CRLF.</summary>
    public static byte[] DotStuffed(byte[] message)
    {
        if (message.Length < 2 || message[^2] != '\r' || message[^1] != '\n')
            throw new ArgumentException("test messages must end with CRLF so they round-trip byte-exact", nameof(message));
        var output = new MemoryStream(message.Length + 64);
        var lineStart = true;
        foreach (var b in message)
        {
            if (lineStart && b == '.') output.WriteByte((byte)'.');
            output.WriteByte(b);
            lineStart = b == '\n';
        }
        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    public static SmtpReply Expect(SmtpReply reply, int code) =>
        reply.Code == code ? reply : throw new InvalidOperationException($"expected {code}, server said: {reply}");

    private static async Task<SmtpReply> ReadReplyAsync(TextConnection connection)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await connection.ReadLineAsync()
                ?? throw new EndOfStreamException($"connection closed while reading a reply{(lines.Count > 0 ? " after: " + string.Join(" | ", lines) : "")}");
            if (line.Length < 3 || !line[..3].All(char.IsAsciiDigit))
                throw new InvalidOperationException($"not an SMTP reply line: '{line}'");
            lines.Add(line);
            if (line.Length == 3 || line[3] == ' ') return SmtpReply.Parse(lines);
        }
    }
}
