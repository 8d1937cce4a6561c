using System.Text;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// One SMTP client session: opens a connection (connect, greeting, EHLO, STARTTLS + EHLO, AUTH
/// PLAIN), sends messages (pipelined MAIL/RCPT/DATA when offered), and QUITs. Reply failures are
/// counted by their code here; a 421 or any transport failure ends the connection with a
/// <see cref="LoadException"/> and the run loop reconnects. One instance is used by one task at a time.
/// </summary>
internal sealed class SmtpLoadSession(SmtpRunContext context, int index)
{
    private static readonly byte[] DataCommand = "DATA\r\n"u8.ToArray();
    private static readonly byte[] RsetCommand = "RSET\r\n"u8.ToArray();
    private static readonly byte[] QuitCommand = "QUIT\r\n"u8.ToArray();
    private static readonly byte[] StartTlsCommand = "STARTTLS\r\n"u8.ToArray();
    private static readonly byte[] LoneDot = ".\r\n"u8.ToArray();

    private LoadConnection? _connection;
    private bool _serverPipelining;
    private string[] _capabilities = [];

    public int Index { get; } = index;
    public bool IsOpen => _connection is not null;
    public long MessagesOnConnection { get; private set; }

    private SmtpOptions Options => context.Options;
    private LoadConnection Connection => _connection ?? throw new InvalidOperationException("session not open");

    /// <summary>Connect, greeting, EHLO, and STARTTLS / AUTH when asked for.</summary>
    public async Task OpenAsync(CancellationToken cancel)
    {
        var start = Clock.Now;
        _connection = await LoadConnection.ConnectAsync(context.Target, context.Sources.For(Index), Options.Common.Timeout,
            4096, context.Counters, cancel);
        context.Counters.ConnectionOpened();
        context.Connect.RecordSince(start);
        MessagesOnConnection = 0;

        start = Clock.Now;
        Expect(await SmtpReply.ReadAsync(Connection), 220);
        context.Greeting.RecordSince(start);
        await EhloAsync();

        if (Options.Common.StartTls)
        {
            if (!HasCapability("STARTTLS")) throw Fail("no-starttls");
            start = Clock.Now;
            await Connection.WriteAsync(StartTlsCommand);
            Expect(await SmtpReply.ReadAsync(Connection), 220);
            context.StartTls.RecordSince(start);
            start = Clock.Now;
            await Connection.StartTlsAsync(Options.Common.TlsHost);
            context.Tls.RecordSince(start);
            await EhloAsync();
        }

        if (Options.Auth is { } auth)
        {
            if (!HasCapability("AUTH")) throw Fail("no-auth");
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{auth.User}\0{auth.Password}"));
            start = Clock.Now;
            await Connection.WriteAsync(Encoding.ASCII.GetBytes($"AUTH PLAIN {plain}\r\n"));
            Expect(await SmtpReply.ReadAsync(Connection), 235);
            context.Auth.RecordSince(start);
        }
    }

    /// <summary>
    /// One transaction for message <paramref name="sequence"/>. <paramref name="intended"/> is the open
    /// loop's scheduled start (0 in a closed loop); the `message` latency counts from it.
    /// Returns true when the server acknowledged the message with 250.
    /// </summary>
    public async Task<bool> SendMessageAsync(long sequence, long intended)
    {
        var c = Connection;
        var k = Options.RecipientsPerMessage;
        var recipients = new string[k];
        for (var j = 0; j < k; j++) recipients[j] = Options.Recipients[(sequence - 1) * k + j];
        var accepted = new List<string>(k);
        var start = Clock.Now;
        var messageStart = intended != 0 ? intended : start;
        SmtpReply dataReply;

        if (Options.Pipelining && _serverPipelining)
        {
            var group = new StringBuilder(64 + 48 * k).Append("MAIL FROM:<").Append(Options.From).Append(">\r\n");
            foreach (var r in recipients) group.Append("RCPT TO:<").Append(r).Append(">\r\n");
            group.Append("DATA\r\n");
            await c.WriteAsync(Encoding.ASCII.GetBytes(group.ToString()));
            var mail = await SmtpReply.ReadAsync(c);
            context.Mail.RecordSince(start);
            Check(mail, 250);
            foreach (var r in recipients)
            {
                var rcpt = await SmtpReply.ReadAsync(c);
                context.Rcpt.RecordSince(start);
                if (mail.IsPositive && Check(rcpt, 250)) accepted.Add(r);
                else if (!mail.IsPositive) CheckClosing(rcpt);
            }
            dataReply = await SmtpReply.ReadAsync(c);
            context.Data.RecordSince(start);
            // DATA failing because nothing before it was accepted is a consequence, not a new error.
            if (accepted.Count > 0) Check(dataReply, 354);
            else CheckClosing(dataReply);
        }
        else
        {
            await c.WriteAsync(Encoding.ASCII.GetBytes($"MAIL FROM:<{Options.From}>\r\n"));
            var mail = await SmtpReply.ReadAsync(c);
            context.Mail.RecordSince(start);
            if (!Check(mail, 250))
            {
                await ResetAsync();
                return false;
            }
            foreach (var r in recipients)
            {
                var rcptStart = Clock.Now;
                await c.WriteAsync(Encoding.ASCII.GetBytes($"RCPT TO:<{r}>\r\n"));
                var rcpt = await SmtpReply.ReadAsync(c);
                context.Rcpt.RecordSince(rcptStart);
                if (Check(rcpt, 250)) accepted.Add(r);
            }
            if (accepted.Count == 0)
            {
                await ResetAsync();
                return false;
            }
            var dataStart = Clock.Now;
            await c.WriteAsync(DataCommand);
            dataReply = await SmtpReply.ReadAsync(c);
            context.Data.RecordSince(dataStart);
            Check(dataReply, 354);
        }

        if (dataReply.Code == 354 && accepted.Count == 0)
        {
            // RFC 2920: DATA was accepted although no recipient was; end it empty and reset.
            await c.WriteAsync(LoneDot);
            CheckClosing(await SmtpReply.ReadAsync(c));
            await ResetAsync();
            return false;
        }
        if (dataReply.Code != 354)
        {
            await ResetAsync();
            return false;
        }

        var sizeIndex = Options.Sizes.IndexFor(sequence);
        if (context.Messages.Signature(sizeIndex) is { Length: > 0 } signature) await c.WriteAsync(signature);
        await c.WriteAsync(context.Messages.Header(sequence, recipients[0]));
        await c.WriteAsync(context.Messages.Body(sizeIndex));
        context.Counters.MessageSent();
        var endStart = Clock.Now;
        var end = await SmtpReply.ReadAsync(c);
        context.DataEnd.RecordSince(endStart);
        MessagesOnConnection++;
        if (!Check(end, 250)) return false;
        context.Message.RecordSince(messageStart);
        context.Counters.MessageAcknowledged();
        context.Acknowledged?.Add(context.Messages.LoadId(sequence), accepted.ToArray());
        return true;
    }

    /// <summary>QUIT and close; transport errors are left to the caller.</summary>
    public async Task QuitAsync()
    {
        if (_connection is not { } c) return;
        try
        {
            var start = Clock.Now;
            await c.WriteAsync(QuitCommand);
            var reply = await SmtpReply.ReadAsync(c);
            context.Quit.RecordSince(start);
            if (reply.Code != 221 && reply.ErrorKey is { } key) context.Errors.Add(key);
        }
        finally
        {
            await CloseAsync();
        }
    }

    /// <summary>Drops the connection (after a failure): no QUIT.</summary>
    public async Task CloseAsync()
    {
        if (_connection is not { } c) return;
        _connection = null;
        context.Counters.ConnectionClosed();
        await c.DisposeAsync();
    }

    private async Task EhloAsync()
    {
        var start = Clock.Now;
        await Connection.WriteAsync(Encoding.ASCII.GetBytes($"EHLO {Options.Helo}\r\n"));
        var lines = new List<string>();
        Expect(await SmtpReply.ReadAsync(Connection, lines), 250);
        context.Ehlo.RecordSince(start);
        _capabilities = lines.Skip(1).Select(l => l.ToUpperInvariant()).ToArray();
        _serverPipelining = HasCapability("PIPELINING");
    }

    private async Task ResetAsync()
    {
        var start = Clock.Now;
        await Connection.WriteAsync(RsetCommand);
        Expect(await SmtpReply.ReadAsync(Connection), 250);
        context.Rset.RecordSince(start);
    }

    private bool HasCapability(string keyword) =>
        _capabilities.Any(c => c == keyword || c.StartsWith(keyword + " ", StringComparison.Ordinal));

    /// <summary>True when the reply has the expected code; else counts it, and a 421 ends the connection.</summary>
    private bool Check(SmtpReply reply, int expected)
    {
        if (reply.Code == expected) return true;
        context.Errors.Add(reply.ErrorKey ?? $"{reply.Code} (expected {expected})");
        if (reply.Code == 421) throw LoadException.AlreadyRecorded(reply.ErrorKey!);
        return false;
    }

    /// <summary>For replies that are only a consequence of an earlier failure: not counted, but a 421 still ends the connection.</summary>
    private bool CheckClosing(SmtpReply reply)
    {
        if (reply.Code == 421)
        {
            context.Errors.Add(reply.ErrorKey!);
            throw LoadException.AlreadyRecorded(reply.ErrorKey!);
        }
        return reply.IsPositive;
    }

    private void Expect(SmtpReply reply, int expected)
    {
        if (reply.Code == expected) return;
        var key = reply.ErrorKey ?? $"{reply.Code} (expected {expected})";
        context.Errors.Add(key);
        throw LoadException.AlreadyRecorded(key);
    }

    private LoadException Fail(string code)
    {
        context.Errors.Add(code);
        return LoadException.AlreadyRecorded(code);
    }
}
