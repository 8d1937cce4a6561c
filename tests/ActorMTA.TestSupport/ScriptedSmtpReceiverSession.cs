using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.TestSupport;

/// <summary>
/// The server side of one connection to a <see cref="ScriptedSmtpReceiver"/>. Replies are buffered
/// and written when no further complete command is waiting, so a pipelined group is answered in
/// order and in one write, as RFC 2920 servers do.
/// </summary>
internal sealed class ScriptedSmtpReceiverSession
{
    private readonly ScriptedSmtpReceiver _owner;
    private readonly Socket _socket;
    private readonly int _connectionId;
    private readonly IPEndPoint _client;
    private readonly Action _quitReceived;
    private readonly CancellationToken _cut;
    private readonly MemoryStream _pendingReplies = new();
    private Stream _stream;
    private ScriptedSmtpReceiverLineReader _reader;
    private bool _tls;

    // The transaction in progress (MAIL seen).
    private ScriptedOutcome? _outcome;
    private string _mailFrom = "";
    private string _mailParameters = "";
    private readonly List<string> _recipients = [];
    private readonly List<string> _recipientParameters = [];

    /// <param name="quitReceived">Called when QUIT arrives, before it is answered (ends the connection's count).</param>
    /// <param name="cut">Cancelled when the receiver goes down and cuts its connections.</param>
    public ScriptedSmtpReceiverSession(ScriptedSmtpReceiver owner, Socket socket, int connectionId, Action quitReceived, CancellationToken cut)
    {
        _cut = cut;
        _quitReceived = quitReceived;
        _owner = owner;
        _socket = socket;
        _connectionId = connectionId;
        _client = (IPEndPoint)socket.RemoteEndPoint!;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new ScriptedSmtpReceiverLineReader(_stream);
    }

    private sealed class DropConnection : Exception;

    public async Task RunAsync()
    {
        try
        {
            await ConverseAsync();
        }
        catch (DropConnection)
        {
            ScriptedSmtpReceiver.AbortSocket(_socket);
        }
    }

    private async Task ConverseAsync()
    {
        var greeting = _owner.NextGreetingCode();
        if (greeting != 220)
        {
            await ReplyAsync(greeting, greeting < 500 ? "4.3.2 Service not available, closing transmission channel" : "5.3.2 No SMTP service here");
            await FlushAsync();
            _socket.Shutdown(SocketShutdown.Both);
            return;
        }
        await ReplyAsync(220, $"{_owner.HostName} ESMTP scripted receiver");

        while (true)
        {
            var line = await ReadCommandAsync();
            if (line is null) return;
            _owner.LogCommand(_connectionId, line);
            var space = line.IndexOf(' ');
            var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : line[(space + 1)..];
            switch (verb)
            {
                case "EHLO":
                    await EhloAsync();
                    break;
                case "HELO":
                    ResetTransaction();
                    await ReplyAsync(250, _owner.HostName);
                    break;
                case "MAIL":
                    await MailAsync(argument);
                    break;
                case "RCPT":
                    await RcptAsync(argument);
                    break;
                case "DATA":
                    await DataAsync();
                    break;
                case "RSET":
                    ResetTransaction();
                    await ReplyAsync(250, "2.0.0 Ok");
                    break;
                case "NOOP":
                    await ReplyAsync(250, "2.0.0 Ok");
                    break;
                case "VRFY":
                    await ReplyAsync(252, "2.5.0 Cannot verify, but will accept");
                    break;
                case "STARTTLS" when _owner.TlsCertificate is not null && !_tls:
                    await StartTlsAsync();
                    break;
                case "QUIT":
                    _quitReceived();
                    await ReplyAsync(221, "2.0.0 Bye");
                    await FlushAsync();
                    _socket.Shutdown(SocketShutdown.Both);
                    return;
                default:
                    await ReplyAsync(500, "5.5.2 Command not recognized");
                    break;
            }
        }
    }

    private async Task EhloAsync()
    {
        ResetTransaction();
        if (!_owner.EhloSupported)
        {
            await ReplyAsync(502, "5.5.2 EHLO not supported, use HELO");
            return;
        }
        var lines = new List<string>
        {
            _owner.HostName, "PIPELINING", $"SIZE {_owner.MaxMessageSize.ToString(CultureInfo.InvariantCulture)}",
        };
        if (_owner.Advertise8BitMime) lines.Add("8BITMIME");
        lines.Add("SMTPUTF8");
        lines.Add("ENHANCEDSTATUSCODES");
        if (_owner.AdvertiseDsn) lines.Add("DSN");
        if (_owner.TlsCertificate is not null && !_tls) lines.Add("STARTTLS");
        await ReplyAsync(250, lines.ToArray());
    }

    private async Task MailAsync(string argument)
    {
        if (_outcome is not null)
        {
            await ReplyAsync(503, "5.5.1 Nested MAIL command");
            return;
        }
        if (!TryParsePath(argument, "FROM:", out var path, out var parameters))
        {
            await ReplyAsync(501, "5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }
        var size = parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(p => p.StartsWith("SIZE=", StringComparison.OrdinalIgnoreCase));
        if (size is not null && long.TryParse(size[5..], CultureInfo.InvariantCulture, out var declared) && declared > _owner.MaxMessageSize)
        {
            await ReplyAsync(552, "5.3.4 Message size exceeds fixed limit");
            return;
        }
        var outcome = _owner.StartTransaction();
        if (outcome.Stage == ScriptStage.Mail)
        {
            await ApplyAsync(outcome);
            return;
        }
        _outcome = outcome;
        _mailFrom = path;
        _mailParameters = parameters;
        await ReplyAsync(250, "2.1.0 Sender ok");
    }

    private async Task RcptAsync(string argument)
    {
        if (_outcome is null)
        {
            await ReplyAsync(503, "5.5.1 Need MAIL before RCPT");
            return;
        }
        if (!TryParsePath(argument, "TO:", out var path, out var rcptParameters) || path.Length == 0)
        {
            await ReplyAsync(501, "5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        if (_owner.RecipientRejection(path) is { } rejection)
        {
            await ReplyAsync(rejection.Code, rejection.Text);
            return;
        }
        if (_outcome.Stage == ScriptStage.Rcpt)
        {
            await ApplyAsync(_outcome);
            return;
        }
        _recipients.Add(path);
        _recipientParameters.Add(rcptParameters);
        await ReplyAsync(250, "2.1.5 Recipient ok");
    }

    private async Task DataAsync()
    {
        if (_outcome is null)
        {
            await ReplyAsync(503, "5.5.1 Need MAIL before DATA");
            return;
        }
        if (_recipients.Count == 0)
        {
            ResetTransaction();
            await ReplyAsync(554, "5.5.1 No valid recipients");
            return;
        }
        var outcome = _outcome;
        if (outcome.Stage == ScriptStage.DataCommand)
        {
            ResetTransaction();
            await ApplyAsync(outcome);
            return;
        }
        await ReplyAsync(354, "End data with <CR><LF>.<CR><LF>");
        var content = await ReadContentAsync();
        if (content is null) return; // the client went away mid-content

        var message = new ReceivedSmtpMessage(_mailFrom, _mailParameters, _recipients.ToArray(), content,
            DateTimeOffset.UtcNow, _client, _connectionId, _tls) { RecipientParameters = _recipientParameters.ToArray() };
        ResetTransaction();
        if (outcome.Drop || outcome.Code != 250)
        {
            await ApplyAsync(outcome);
            return;
        }
        _owner.Record(message);
        await ReplyAsync(250, outcome.Text);
    }

    private async Task StartTlsAsync()
    {
        await ReplyAsync(220, "2.0.0 Ready to start TLS");
        await FlushAsync();
        // RFC 3207: whatever the client sent before the handshake is discarded (no command injection).
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cut);
        timeout.CancelAfter(_owner.IdleTimeout);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _owner.TlsCertificate }, timeout.Token);
        _stream = ssl;
        _reader = new ScriptedSmtpReceiverLineReader(ssl);
        _tls = true;
        ResetTransaction();
    }

    /// <summary>Answers as the outcome says, or drops the connection without a word.</summary>
    private async Task ApplyAsync(ScriptedOutcome outcome)
    {
        if (outcome.Drop)
        {
            await FlushAsync(); // replies to earlier commands were "sent" before the host died
            throw new DropConnection();
        }
        await ReplyAsync(outcome.Code, outcome.Text);
    }

    /// <summary>The content up to the final dot, dot-unstuffed, line ends as sent; null at end of stream.</summary>
    private async Task<byte[]?> ReadContentAsync()
    {
        var content = new MemoryStream();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null) return null;
            if (line.AsSpan().SequenceEqual(".\r\n"u8) || line.AsSpan().SequenceEqual(".\n"u8)) return content.ToArray();
            content.Write(line, line.Length > 0 && line[0] == (byte)'.' ? 1 : 0, line.Length > 0 && line[0] == (byte)'.' ? line.Length - 1 : line.Length);
        }
    }

    private async Task<string?> ReadCommandAsync()
    {
        var line = await ReadLineAsync();
        if (line is null) return null;
        var length = line.Length;
        if (length > 0 && line[length - 1] == '\n') length--;
        if (length > 0 && line[length - 1] == '\r') length--;
        return Encoding.UTF8.GetString(line, 0, length);
    }

    /// <summary>Flushes the pending replies first when the next line has to come from the network.</summary>
    private async Task<byte[]?> ReadLineAsync()
    {
        if (!_reader.HasBufferedLine) await FlushAsync();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_cut);
        idle.CancelAfter(_owner.IdleTimeout);
        return await _reader.ReadLineAsync(idle.Token);
    }

    private async Task ReplyAsync(int code, params string[] lines)
    {
        if (_owner.ResponseDelay > TimeSpan.Zero) await Task.Delay(_owner.ResponseDelay, _cut);
        var text = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
            text.Append(code.ToString(CultureInfo.InvariantCulture)).Append(i < lines.Length - 1 ? '-' : ' ').Append(lines[i]).Append("\r\n");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        _pendingReplies.Write(bytes);
    }

    private async Task FlushAsync()
    {
        if (_pendingReplies.Length == 0) return;
        await _stream.WriteAsync(_pendingReplies.GetBuffer().AsMemory(0, (int)_pendingReplies.Length));
        await _stream.FlushAsync();
        _pendingReplies.SetLength(0);
    }

    private void ResetTransaction()
    {
        _outcome = null;
        _mailFrom = "";
        _mailParameters = "";
        _recipients.Clear();
        _recipientParameters.Clear();
    }

    /// <summary>"FROM:&lt;a@b&gt; SIZE=10" → path "a@b", parameters "SIZE=10". Tolerates a space after the colon.</summary>
    private static bool TryParsePath(string argument, string prefix, out string path, out string parameters)
    {
        path = parameters = "";
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var rest = argument[prefix.Length..].TrimStart();
        if (!rest.StartsWith('<')) return false;
        var close = rest.IndexOf('>');
        if (close < 0) return false;
        path = rest[1..close];
        parameters = rest[(close + 1)..].Trim();
        return true;
    }
}
