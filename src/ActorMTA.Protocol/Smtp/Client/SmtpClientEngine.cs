using System.Globalization;
using System.Text;

namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// The client side of SMTP for outbound delivery (RFC 5321 with EHLO/HELO, STARTTLS, SIZE, PIPELINING,
/// 8BITMIME, SMTPUTF8, enhanced status codes) as a pure state machine: server reply lines and the actor's
/// decisions in, a <see cref="ClientStep"/> (commands to write, then at most one effect) out. It does no
/// I/O and keeps no clock; timeouts (RFC 5321 section 4.5.3.2) are the actor's, reported with
/// <see cref="Abort"/>. Not thread-safe (one actor owns it).
/// </summary>
/// <remarks>
/// Every command sent leaves an entry in a queue of expected replies, and every complete reply is matched
/// to the head of that queue. That one rule keeps pipelined groups in step: a refused MAIL still gets its
/// RCPT and DATA replies consumed (and ignored), so the next transaction never sees a stale reply.
/// </remarks>
public sealed class SmtpClientEngine
{
    private enum Expect
    {
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        Rset,
        Mail,
        Rcpt,
        Data,
        DataEnd,
        EmptyDataEnd,
        Quit,
    }

    private readonly record struct Pending(Expect Kind, int Index = 0);

    private readonly SmtpClientOptions _options;
    private readonly SmtpReplyAssembler _assembler = new();
    private readonly Queue<Pending> _pending = new();
    private OutboundTransaction? _transaction;
    private bool _resetBeforeNextMail;
    private bool _awaitingTlsHandshake;
    private bool _startTlsRefused;

    public SmtpClientEngine(SmtpClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.HeloName);
        if (options.HeloName.Any(c => c <= ' ' || c == '\x7f'))
        {
            throw new ArgumentException("The HELO name must not contain spaces or control characters.", nameof(options));
        }
        _options = options;
    }

    public ClientState State { get; private set; } = ClientState.Connecting;

    /// <summary>What the last EHLO reply advertised; <see cref="ServerCapabilities.None"/> before it, after
    /// STARTTLS (until the new EHLO reply) and after the HELO fallback.</summary>
    public ServerCapabilities Capabilities { get; private set; } = ServerCapabilities.None;

    /// <summary>The server accepted EHLO (false after the HELO fallback).</summary>
    public bool IsExtended { get; private set; }

    public bool TlsActive { get; private set; }

    /// <summary>True between <see cref="ClientEffect.StartTlsHandshake"/> or <see cref="ClientEffect.SendContent"/>
    /// and its completion call; no reply lines may be fed meanwhile.</summary>
    public bool IsAwaitingCompletion => _awaitingTlsHandshake || _transaction is { ContentSending: true };

    /// <summary>The TCP connection is up; the server speaks first (RFC 5321 section 3.1), so nothing is sent.</summary>
    public ClientStep OnConnected()
    {
        EnsureState(ClientState.Connecting);
        State = ClientState.Greeting;
        _pending.Enqueue(new Pending(Expect.Greeting));
        return ClientStep.Empty;
    }

    /// <summary>One line from the server without its CRLF. Lines of a multi-line reply are collected until the
    /// final one; then the reply is acted on.</summary>
    public ClientStep OnReplyLine(ReadOnlySpan<byte> line)
    {
        if (State == ClientState.Closed) return ClientStep.Empty;
        if (State == ClientState.Connecting) throw new InvalidOperationException("OnConnected has not been called.");
        if (_awaitingTlsHandshake)
        {
            // Lines here were read in plaintext after the 220 to STARTTLS: feeding them would allow response
            // injection (RFC 3207 section 5); the actor must discard them.
            throw new InvalidOperationException("The TLS handshake is outstanding; plaintext lines must be discarded.");
        }

        switch (_assembler.Add(line, out var reply))
        {
            case ReplyLineStatus.Incomplete:
                return ClientStep.Empty;
            case ReplyLineStatus.Malformed:
                return Fail(LocalReplies.MalformedReply, wholeConnection: true, courtesyQuit: false);
        }

        if (_transaction is { ContentSending: true }) return OnReplyDuringContent(reply!);
        return Dispatch(reply!);
    }

    /// <summary>The TLS handshake after STARTTLS succeeded. RFC 3207 section 4.2: everything learned in
    /// plaintext is forgotten, so EHLO is sent again.</summary>
    public ClientStep OnTlsEstablished()
    {
        if (!_awaitingTlsHandshake) throw new InvalidOperationException("No TLS handshake was requested.");
        _awaitingTlsHandshake = false;
        TlsActive = true;
        Capabilities = ServerCapabilities.None;
        IsExtended = false;
        return SendEhlo();
    }

    /// <summary>Starts the transaction for <paramref name="message"/>; only in <see cref="ClientState.Ready"/>.
    /// When the server cannot take the message at all (SMTPUTF8 or 8BITMIME missing, SIZE exceeded) nothing
    /// is sent and the step carries the failed <see cref="ClientEffect.TransactionFinished"/> at once.</summary>
    public ClientStep Send(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Validate(message);
        EnsureState(ClientState.Ready);

        var refusal = LocalRefusal(message);
        if (refusal is not null)
        {
            var refused = new OutboundTransaction(message, pipelined: false).Settle(refusal);
            return new ClientStep([], new ClientEffect.TransactionFinished(refused));
        }

        var pipelined = Capabilities.Pipelining;
        _transaction = new OutboundTransaction(message, pipelined);
        State = ClientState.InTransaction;
        var commands = new List<string>();
        if (_resetBeforeNextMail)
        {
            _resetBeforeNextMail = false;
            Queue(commands, "RSET", Expect.Rset);
            if (!pipelined) return Commands(commands);
        }

        Queue(commands, MailCommand(message), Expect.Mail);
        if (!pipelined) return Commands(commands);
        for (var i = 0; i < message.Recipients.Count; i++)
        {
            Queue(commands, RcptCommand(message, i), Expect.Rcpt, i);
        }
        Queue(commands, "DATA", Expect.Data);
        return Commands(commands);
    }

    /// <summary>The actor has written all content and the ".\r\n" terminator; the final reply is next.</summary>
    public ClientStep OnContentSent()
    {
        if (_transaction is not { ContentSending: true }) throw new InvalidOperationException("No content was requested.");
        _transaction.ContentSending = false;
        _pending.Enqueue(new Pending(Expect.DataEnd));
        return ClientStep.Empty;
    }

    /// <summary>Ends the session politely: QUIT when idle; <see cref="ClientEffect.Close"/> follows its reply.
    /// After a failure the session is gone and Close comes at once. Mid-transaction or mid-handshake use
    /// <see cref="Abort"/> instead, so the message in flight is settled.</summary>
    public ClientStep Quit()
    {
        switch (State)
        {
            case ClientState.Closed:
                return new ClientStep([], ClientEffect.Close.Instance);
            case ClientState.Quitting:
                return ClientStep.Empty;
            case ClientState.Ready:
                State = ClientState.Quitting;
                var commands = new List<string>();
                Queue(commands, "QUIT", Expect.Quit);
                return Commands(commands);
            default:
                throw new InvalidOperationException($"QUIT is not possible in state {State}; use Abort.");
        }
    }

    /// <summary>
    /// The actor gives up on the session: socket error, timeout, failed TLS handshake, shutdown. The message
    /// in flight is settled with <paramref name="reason"/> (see <see cref="LocalReplies"/>) for every recipient
    /// not already refused. Nothing is sent; the actor closes the socket.
    /// </summary>
    public ClientStep Abort(SmtpReply reason, bool wholeConnection = true)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (State == ClientState.Closed) return ClientStep.Empty;
        return Fail(reason, wholeConnection, courtesyQuit: false);
    }

    private ClientStep Dispatch(SmtpReply reply)
    {
        if (_pending.Count == 0)
        {
            // Nothing was asked. A 421 while idle is usually the server's idle timeout: this connection is
            // done, but it says nothing about the destination.
            return reply.Code == 421 && State == ClientState.Ready
                ? Fail(reply, wholeConnection: false, courtesyQuit: false)
                : Fail(LocalReplies.MalformedReply, wholeConnection: true, courtesyQuit: false);
        }

        var expected = _pending.Dequeue();
        if (expected.Kind == Expect.Quit)
        {
            State = ClientState.Closed;
            _pending.Clear();
            return new ClientStep([], ClientEffect.Close.Instance);
        }
        // RFC 5321 section 3.8: 421 may answer any command, and the server closes the connection after it.
        if (reply.Code == 421) return Fail(reply, wholeConnection: true, courtesyQuit: false);
        // Only DATA has an intermediate (3yz) reply in this client.
        if (reply.Code is >= 300 and < 400 && expected.Kind != Expect.Data)
        {
            return Fail(LocalReplies.MalformedReply, wholeConnection: true, courtesyQuit: false);
        }

        return expected.Kind switch
        {
            Expect.Greeting => OnGreeting(reply),
            Expect.Ehlo => OnEhlo(reply),
            Expect.Helo => OnHelo(reply),
            Expect.StartTls => OnStartTls(reply),
            Expect.Rset => OnRset(),
            Expect.Mail => OnMail(reply),
            Expect.Rcpt => OnRcpt(reply, expected.Index),
            Expect.Data => OnData(reply),
            Expect.DataEnd or Expect.EmptyDataEnd => OnDataEnd(reply, expected.Kind == Expect.EmptyDataEnd),
            _ => throw new InvalidOperationException($"Unhandled expectation {expected.Kind}."),
        };
    }

    private ClientStep OnGreeting(SmtpReply reply)
    {
        // RFC 5321 section 3.1: after a 554 greeting the server waits for QUIT, so send one on the way out.
        if (reply.Code != 220) return Fail(reply, wholeConnection: true, courtesyQuit: true);
        return SendEhlo();
    }

    private ClientStep SendEhlo()
    {
        State = ClientState.Ehlo;
        var commands = new List<string>();
        Queue(commands, $"EHLO {_options.HeloName}", Expect.Ehlo);
        return Commands(commands);
    }

    private ClientStep OnEhlo(SmtpReply reply)
    {
        if (OutboundTransaction.IsCompletion(reply))
        {
            Capabilities = ServerCapabilities.FromEhloReply(reply);
            IsExtended = true;
            return AfterHello();
        }
        // A server without extensions answers EHLO with 500/502 (RFC 1869 section 4.5 lists 5xx in general);
        // a 4xx is a temporary refusal of the session, which HELO would not change.
        if (reply.IsTransientFailure) return Fail(reply, wholeConnection: true, courtesyQuit: true);
        var commands = new List<string>();
        Queue(commands, $"HELO {_options.HeloName}", Expect.Helo);
        return Commands(commands);
    }

    private ClientStep OnHelo(SmtpReply reply)
    {
        if (!OutboundTransaction.IsCompletion(reply)) return Fail(reply, wholeConnection: true, courtesyQuit: true);
        Capabilities = ServerCapabilities.None;
        IsExtended = false;
        return AfterHello();
    }

    private ClientStep AfterHello()
    {
        var wantTls = _options.TryStartTls || _options.RequireTls;
        if (!TlsActive && wantTls && Capabilities.StartTls && !_startTlsRefused)
        {
            State = ClientState.StartTls;
            var commands = new List<string>();
            Queue(commands, "STARTTLS", Expect.StartTls);
            return Commands(commands);
        }
        if (!TlsActive && _options.RequireTls) return Fail(LocalReplies.TlsRequired, wholeConnection: true, courtesyQuit: true);
        State = ClientState.Ready;
        return ClientStep.Empty;
    }

    private ClientStep OnStartTls(SmtpReply reply)
    {
        if (reply.Code == 220)
        {
            _awaitingTlsHandshake = true;
            return new ClientStep([], ClientEffect.StartTlsHandshake.Instance);
        }
        // RFC 3207 section 4: after a refusal the client decides whether to go on in plaintext; the session
        // state (and the EHLO capabilities) are unchanged.
        _startTlsRefused = true;
        return AfterHello();
    }

    private ClientStep OnRset()
    {
        if (_transaction!.Pipelined) return ClientStep.Empty;
        var commands = new List<string>();
        Queue(commands, MailCommand(_transaction.Message), Expect.Mail);
        return Commands(commands);
    }

    private ClientStep OnMail(SmtpReply reply)
    {
        var tx = _transaction!;
        tx.MailReply = reply;
        if (tx.Pipelined) return ClientStep.Empty;
        if (tx.MailRefused) return Finish(tx.Settle(reply), resetNext: true);
        var commands = new List<string>();
        Queue(commands, RcptCommand(tx.Message, 0), Expect.Rcpt, 0);
        return Commands(commands);
    }

    private ClientStep OnRcpt(SmtpReply reply, int index)
    {
        var tx = _transaction!;
        tx.RecipientReplies[index] = reply;
        if (tx.Pipelined) return ClientStep.Empty;
        var commands = new List<string>();
        if (index + 1 < tx.Message.Recipients.Count)
        {
            Queue(commands, RcptCommand(tx.Message, index + 1), Expect.Rcpt, index + 1);
            return Commands(commands);
        }
        // RFC 5321 section 3.3: without an accepted recipient DATA would only be refused.
        if (!tx.AnyRecipientAccepted) return Finish(tx.Settle(tx.LastRecipientReply!), resetNext: true);
        Queue(commands, "DATA", Expect.Data);
        return Commands(commands);
    }

    private ClientStep OnData(SmtpReply reply)
    {
        var tx = _transaction!;
        if (reply.Code is >= 300 and < 400)
        {
            if (tx.AnyRecipientAccepted)
            {
                tx.ContentSending = true;
                return new ClientStep([], new ClientEffect.SendContent(tx.Message.QueueId));
            }
            // RFC 2920 section 3.1: a server that accepts a pipelined DATA with no valid recipient gets an
            // empty message, which it must not deliver; the lone dot keeps both sides in step.
            var commands = new List<string>();
            Queue(commands, ".", Expect.EmptyDataEnd);
            return Commands(commands);
        }
        if (OutboundTransaction.IsCompletion(reply)) return Fail(LocalReplies.MalformedReply, wholeConnection: true, courtesyQuit: false);

        // The refusal of a pipelined DATA after a refused MAIL or no accepted RCPT is expected ("no valid
        // recipients") and says nothing new, so the earlier replies decide.
        if (tx.MailRefused) return Finish(tx.Settle(tx.MailReply!), resetNext: true);
        if (!tx.AnyRecipientAccepted) return Finish(tx.Settle(tx.LastRecipientReply ?? reply), resetNext: true);
        return Finish(tx.Settle(reply), resetNext: true);
    }

    private ClientStep OnDataEnd(SmtpReply reply, bool emptyContent)
    {
        var tx = _transaction!;
        // The end of the content ends the transaction on the server whatever the reply, so no RSET is owed.
        if (!emptyContent) return Finish(tx.Settle(reply), resetNext: false);
        return Finish(tx.Settle(tx.MailRefused ? tx.MailReply! : tx.LastRecipientReply ?? reply), resetNext: false);
    }

    // A reply while the content is still being streamed: the server gave up on the message (often a 421
    // or 552 right before it closes). Where the stream stopped is unknown, so the session cannot go on.
    private ClientStep OnReplyDuringContent(SmtpReply reply)
    {
        var outcome = reply.Code >= 400 ? reply : LocalReplies.MalformedReply;
        return Fail(outcome, wholeConnection: true, courtesyQuit: false);
    }

    private ClientStep Finish(TransactionResult result, bool resetNext)
    {
        _transaction = null;
        _resetBeforeNextMail = resetNext;
        State = ClientState.Ready;
        return new ClientStep([], new ClientEffect.TransactionFinished(result));
    }

    private ClientStep Fail(SmtpReply reply, bool wholeConnection, bool courtesyQuit)
    {
        var result = _transaction?.Settle(reply);
        _transaction = null;
        _pending.Clear();
        _assembler.Reset();
        _awaitingTlsHandshake = false;
        State = ClientState.Closed;
        return new ClientStep(courtesyQuit ? ["QUIT"] : [], new ClientEffect.ConnectionFailed(reply, wholeConnection, result));
    }

    private SmtpReply? LocalRefusal(OutboundMessage message)
    {
        // RFC 6531 section 3.2: such a message must not be sent to a server without SMTPUTF8.
        if (message.RequiresSmtpUtf8 && !Capabilities.SmtpUtf8) return LocalReplies.SmtpUtf8NotSupported;
        // RFC 6152 section 3 allows down-conversion or a failure. The delivery agent converts to 7-bit before it
        // sends; a message still marked 8-bit here is one it could not convert.
        if (message.Needs8BitMime && !Capabilities.EightBitMime) return LocalReplies.EightBitMimeNotSupported;
        if (Capabilities.MaxSize is { } max && message.Size > max) return LocalReplies.MessageTooBig;
        return null;
    }

    private string MailCommand(OutboundMessage message)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(message.ReversePath).Append('>');
        if (Capabilities.Size && message.Size > 0)
        {
            command.Append(" SIZE=").Append(message.Size.ToString(CultureInfo.InvariantCulture));
        }
        if (message.Needs8BitMime) command.Append(" BODY=8BITMIME");
        if (message.RequiresSmtpUtf8) command.Append(" SMTPUTF8");
        // RFC 3461 section 5.2: the parameters go on only to a server that advertises DSN; for one without,
        // the sending MTA reports a NOTIFY=SUCCESS recipient as "relayed" itself.
        if (Capabilities.Dsn)
        {
            if (message.Dsn.Return != DsnReturn.Unspecified)
                command.Append(message.Dsn.Return == DsnReturn.Full ? " RET=FULL" : " RET=HDRS");
            if (message.Dsn.EnvelopeId is { } envelopeId) command.Append(" ENVID=").Append(XText.Encode(envelopeId));
        }
        return command.ToString();
    }

    private string RcptCommand(OutboundMessage message, int index)
    {
        var command = new StringBuilder("RCPT TO:<").Append(message.Recipients[index]).Append('>');
        var dsn = message.RecipientDsnAt(index);
        if (!Capabilities.Dsn) return command.ToString();
        if (dsn.Notify != DsnNotify.Unspecified) command.Append(" NOTIFY=").Append(NotifyValue(dsn.Notify));
        // RFC 3461 section 4.2: ORCPT is passed on as given; without one, the address as we received it.
        // (A non-ASCII address would need RFC 6533's utf-8 type; it simply goes without.)
        var original = dsn.OriginalRecipient
            ?? (System.Text.Ascii.IsValid(message.Recipients[index]) ? "rfc822;" + message.Recipients[index] : null);
        if (original is not null) command.Append(" ORCPT=").Append(XText.Encode(original));
        return command.ToString();
    }

    private static string NotifyValue(DsnNotify notify)
    {
        if (notify.HasFlag(DsnNotify.Never)) return "NEVER";
        var values = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success)) values.Add("SUCCESS");
        if (notify.HasFlag(DsnNotify.Failure)) values.Add("FAILURE");
        if (notify.HasFlag(DsnNotify.Delay)) values.Add("DELAY");
        return string.Join(',', values);
    }

    private void Queue(List<string> commands, string command, Expect kind, int index = 0)
    {
        commands.Add(command);
        _pending.Enqueue(new Pending(kind, index));
    }

    private static ClientStep Commands(List<string> commands) => new(commands, null);

    private void EnsureState(ClientState expected)
    {
        if (State != expected) throw new InvalidOperationException($"Expected state {expected}, but the session is {State}.");
        if (IsAwaitingCompletion) throw new InvalidOperationException("An effect is outstanding.");
    }

    private static void Validate(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message.QueueId);
        ArgumentNullException.ThrowIfNull(message.ReversePath);
        ArgumentNullException.ThrowIfNull(message.Recipients);
        if (message.Recipients.Count == 0) throw new ArgumentException("A message needs at least one recipient.", nameof(message));
        ArgumentOutOfRangeException.ThrowIfNegative(message.Size);
        CheckAddress(message.ReversePath, allowEmpty: true);
        foreach (var recipient in message.Recipients) CheckAddress(recipient, allowEmpty: false);
        if (message.RecipientDsn.Count != 0 && message.RecipientDsn.Count != message.Recipients.Count)
            throw new ArgumentException("RecipientDsn must be empty or have one entry per recipient.", nameof(message));
    }

    // The address goes between angle brackets on a command line: a bracket or a control character (CR, LF
    // above all) would let it end the path early or inject commands.
    private static void CheckAddress(string? address, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Length == 0 && !allowEmpty) throw new ArgumentException("A recipient address cannot be empty.");
        if (address.Any(c => c < ' ' || c == '\x7f' || c == '<' || c == '>'))
        {
            throw new ArgumentException($"'{address}' contains characters not allowed in a path.");
        }
    }
}
