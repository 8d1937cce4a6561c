using System.Globalization;
using System.Text;
using ActorMTA.Protocol.Sasl;

namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// The POP3 server protocol (RFC 1939, RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034
/// AUTH PLAIN) as a pure state machine: a line in, a <see cref="Pop3Step"/> out. It does no I/O and
/// keeps no clock; the session actor sends the step's lines, then performs its effect and reports the
/// result through the matching <c>On...</c> method. Not thread-safe (one actor owns it).
/// </summary>
/// <remarks>
/// While an effect is outstanding, further lines (pipelined commands, RFC 2449 PIPELINING) are queued
/// and answered, in order, in the step returned by the completion call.
/// </remarks>
public sealed class Pop3ServerEngine
{
    /// <summary>RFC 2449 section 4: a command line including its CRLF is at most 255 octets.</summary>
    public const int MaxCommandLineOctets = 255;

    private const string PlainMechanism = "PLAIN";

    private enum Awaiting
    {
        Nothing,
        AuthResult,
        MessageSent,
        TlsHandshake,
        Commit,
    }

    private readonly Pop3ServerOptions _options;

    // Pipelined input that arrived while an effect was outstanding; null marks an over-long line.
    private readonly Queue<byte[]?> _pendingInput = new();

    private Awaiting _awaiting = Awaiting.Nothing;
    private int _sendingNumber;
    private bool _tlsActive;
    private string? _userName;
    private bool _awaitingPlainResponse;
    private Pop3Maildrop? _maildrop;

    public Pop3ServerEngine(Pop3ServerOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentException.ThrowIfNullOrWhiteSpace(o.HostName);
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxAuthFailures, 1);
        _options = o;
        _tlsActive = o.TlsActive;
    }

    public Pop3SessionState State { get; private set; } = Pop3SessionState.Authorization;

    public bool IsTlsActive => _tlsActive;

    /// <summary>Failed logins so far; the actor may delay a failure reply by this many auth-failure-delays.</summary>
    public int AuthFailures { get; private set; }

    /// <summary>Lines queued behind an outstanding effect; the actor can stop reading when this grows.</summary>
    public int PendingInputCount => _pendingInput.Count;

    /// <summary>True between an effect (other than Close) and its completion call.</summary>
    public bool IsAwaitingCompletion => _awaiting != Awaiting.Nothing;

    /// <summary>USER/PASS and AUTH are usable (and advertised) on this connection now.</summary>
    public bool IsLoginAllowed => !_options.AuthRequiresTls || _tlsActive;

    public Pop3Step Start() =>
        State == Pop3SessionState.Closed
            ? Pop3Step.Empty
            : new Pop3Step([$"+OK {_options.HostName} POP3 ready"], null);

    /// <summary>A line from the client, without its CRLF.</summary>
    public Pop3Step OnLine(ReadOnlySpan<byte> line)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        // Bytes sent after STLS but before the handshake are plaintext and may be injected: drop them.
        if (_awaiting == Awaiting.TlsHandshake) return Pop3Step.Empty;
        if (_awaiting != Awaiting.Nothing)
        {
            _pendingInput.Enqueue(line.ToArray());
            return Pop3Step.Empty;
        }

        var step = new StepBuilder();
        var before = step.Count;
        HandleLine(line, step);
        CountBadCommand(step, before);
        Drain(step);
        return step.Build();
    }

    /// <summary>The I/O adapter discarded a line longer than its limit; the session continues.</summary>
    public Pop3Step OnLineTooLong()
    {
        if (State == Pop3SessionState.Closed || _awaiting == Awaiting.TlsHandshake) return Pop3Step.Empty;
        if (_awaiting != Awaiting.Nothing)
        {
            _pendingInput.Enqueue(null);
            return Pop3Step.Empty;
        }

        var step = new StepBuilder();
        var before = step.Count;
        HandleLineTooLong(step);
        CountBadCommand(step, before);
        Drain(step);
        return step.Build();
    }

    /// <summary>The client was idle too long (RFC 1939 autologout): close without entering UPDATE state.</summary>
    public Pop3Step OnTimeout() => Abort("-ERR Autologout: idle for too long, closing connection");

    public Pop3Step OnShutdown() => Abort("-ERR [SYS/TEMP] Server shutting down, closing connection");

    public Pop3Step OnTlsEstablished()
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        Resume(Awaiting.TlsHandshake);
        _tlsActive = true;
        // RFC 2595: nothing learned over plaintext survives the handshake.
        _userName = null;
        _pendingInput.Clear();
        return Pop3Step.Empty;
    }

    /// <summary>Result of <see cref="Pop3Effect.Authenticate"/>; on success the maildrop in message-number order.</summary>
    public Pop3Step OnAuthResult(bool ok, IReadOnlyList<Pop3Message>? maildrop)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        Expect(Awaiting.AuthResult);
        var step = new StepBuilder();
        if (ok)
        {
            ArgumentNullException.ThrowIfNull(maildrop);
            _maildrop = new Pop3Maildrop(maildrop);
            _awaiting = Awaiting.Nothing;
            State = Pop3SessionState.Transaction;
            step.Add($"+OK {DescribeMaildrop(_maildrop)}");
        }
        else
        {
            _awaiting = Awaiting.Nothing;
            AuthFailures++;
            if (AuthFailures >= _options.MaxAuthFailures)
            {
                step.Add("-ERR [AUTH] Authentication failed; too many failures, closing connection");
                Close(step);
            }
            else
            {
                step.Add("-ERR [AUTH] Authentication failed");
            }
        }
        Drain(step);
        return step.Build();
    }

    /// <summary>Credentials were valid but another session holds the maildrop (RFC 2449 [IN-USE]).
    /// Not counted as a failed login.</summary>
    public Pop3Step OnMaildropInUse() =>
        CompleteAuthWithoutLogin("-ERR [IN-USE] Maildrop is locked by another session");

    /// <summary>The credentials could not be checked (storage trouble). Not counted as a failed login.</summary>
    public Pop3Step OnAuthUnavailable() =>
        CompleteAuthWithoutLogin("-ERR [SYS/TEMP] Authentication is temporarily unavailable");

    /// <summary>Result of <see cref="Pop3Effect.SendMessage"/>. Not ok: the multi-line response is broken
    /// mid-way and cannot be repaired, so the connection is closed without further lines.</summary>
    public Pop3Step OnMessageSent(bool ok)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        Resume(Awaiting.MessageSent);
        var step = new StepBuilder();
        if (!ok)
        {
            Close(step);
            return step.Build();
        }
        Drain(step);
        return step.Build();
    }

    /// <summary>The content of a <see cref="Pop3Effect.SendMessage"/> could not be opened (storage trouble), so
    /// its status line was never sent: the command fails with a temporary error and the session goes on.</summary>
    public Pop3Step OnMessageUnavailable()
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        var number = _sendingNumber;
        Resume(Awaiting.MessageSent);
        var step = new StepBuilder();
        step.Add($"-ERR [SYS/TEMP] Message {number} cannot be read now, try again later");
        Drain(step);
        return step.Build();
    }

    /// <summary>Result of <see cref="Pop3Effect.Commit"/>; either way the session ends.</summary>
    public Pop3Step OnCommitted(bool ok)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        Resume(Awaiting.Commit);
        var step = new StepBuilder();
        if (ok)
        {
            var left = _maildrop!.LiveCount;
            var what = left == 0 ? "maildrop empty" : left == 1 ? "1 message left" : $"{left} messages left";
            step.Add($"+OK {_options.HostName} POP3 server signing off ({what})");
        }
        else
        {
            step.Add("-ERR [SYS/TEMP] Some deleted messages were not removed");
        }
        Close(step);
        return step.Build();
    }

    private Pop3Step CompleteAuthWithoutLogin(string reply)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        Resume(Awaiting.AuthResult);
        var step = new StepBuilder();
        step.Add(reply);
        Drain(step);
        return step.Build();
    }

    private Pop3Step Abort(string reply)
    {
        if (State == Pop3SessionState.Closed) return Pop3Step.Empty;
        var step = new StepBuilder();
        // Mid-content or mid-handshake a status line would corrupt the stream; just close.
        if (_awaiting is not (Awaiting.MessageSent or Awaiting.TlsHandshake)) step.Add(reply);
        Close(step);
        return step.Build();
    }

    /// <summary>The completion of the effect the engine was waiting for: checks it is that one, then stops waiting.</summary>
    private void Resume(Awaiting expected)
    {
        Expect(expected);
        _awaiting = Awaiting.Nothing;
    }

    private void Expect(Awaiting expected)
    {
        if (_awaiting != expected)
        {
            throw new InvalidOperationException($"POP3 engine is waiting for {_awaiting}, not {expected}.");
        }
    }

    private void Drain(StepBuilder step)
    {
        while (State != Pop3SessionState.Closed && _awaiting == Awaiting.Nothing && _pendingInput.Count > 0)
        {
            var line = _pendingInput.Dequeue();
            var before = step.Count;
            if (line is null) HandleLineTooLong(step);
            else HandleLine(line, step);
            CountBadCommand(step, before);
        }
    }

    /// <summary>Commands answered with -ERR so far (unknown, malformed, not valid now, over-long).</summary>
    public int BadCommands { get; private set; }

    /// <summary>A client sending garbage is cut off after <see cref="Pop3ServerOptions.MaxBadCommands"/> -ERR answers
    /// instead of getting thousands of them.</summary>
    private void CountBadCommand(StepBuilder step, int linesBefore)
    {
        if (State == Pop3SessionState.Closed || step.HasEffect || !step.StartsWithError(linesBefore)) return;
        BadCommands++;
        if (BadCommands < _options.MaxBadCommands) return;
        step.Add("-ERR Too many bad commands, closing connection");
        Close(step);
    }

    private void Close(StepBuilder step)
    {
        step.SetEffect(Pop3Effect.Close.Instance);
        State = Pop3SessionState.Closed;
        _awaiting = Awaiting.Nothing;
        _pendingInput.Clear();
    }

    private void Await(StepBuilder step, Pop3Effect effect, Awaiting what)
    {
        step.SetEffect(effect);
        _awaiting = what;
    }

    private void HandleLineTooLong(StepBuilder step)
    {
        if (_awaitingPlainResponse)
        {
            _awaitingPlainResponse = false;
            step.Add("-ERR Authentication response too long");
            return;
        }
        step.Add("-ERR Line too long");
    }

    private void HandleLine(ReadOnlySpan<byte> line, StepBuilder step)
    {
        if (_awaitingPlainResponse)
        {
            // A SASL continuation is not a command, so the 255-octet command limit does not apply.
            _awaitingPlainResponse = false;
            HandlePlainContinuation(line, step);
            return;
        }
        if (line.Length > MaxCommandLineOctets - 2)
        {
            step.Add($"-ERR Command line too long (limit {MaxCommandLineOctets} octets)");
            return;
        }
        var text = Pop3CommandLine.Decode(line);
        if (text is null)
        {
            step.Add("-ERR Command is not valid UTF-8");
            return;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            step.Add("-ERR Empty command");
            return;
        }

        var command = Pop3CommandLine.Parse(text);
        if (State == Pop3SessionState.Authorization) HandleAuthorization(command, step);
        else HandleTransaction(command, step);
    }

    private void HandleAuthorization(Pop3CommandLine command, StepBuilder step)
    {
        switch (command.Keyword)
        {
            case "USER":
                HandleUser(command, step);
                break;
            case "PASS":
                HandlePass(command, step);
                break;
            case "AUTH":
                HandleAuth(command, step);
                break;
            case "STLS":
                HandleStls(command, step);
                break;
            case "CAPA":
                if (NoArguments(command, step)) WriteCapabilities(step);
                break;
            case "QUIT":
                if (!NoArguments(command, step)) break;
                step.Add($"+OK {_options.HostName} POP3 server signing off");
                Close(step);
                break;
            case "STAT" or "LIST" or "UIDL" or "RETR" or "TOP" or "DELE" or "RSET" or "NOOP":
                step.Add($"-ERR {command.Keyword} is not valid in AUTHORIZATION state; log in first");
                break;
            default:
                step.Add("-ERR Unknown command");
                break;
        }
    }

    private void HandleTransaction(Pop3CommandLine command, StepBuilder step)
    {
        var drop = _maildrop!;
        switch (command.Keyword)
        {
            case "STAT":
                if (NoArguments(command, step)) step.Add($"+OK {drop.LiveCount} {drop.LiveSize}");
                break;
            case "LIST":
                HandleListing(command, step, static (number, message) => $"{number} {message.Size}");
                break;
            case "UIDL":
                HandleListing(command, step, static (number, message) => $"{number} {message.Uid}");
                break;
            case "RETR":
                HandleRetr(command, step);
                break;
            case "TOP":
                HandleTop(command, step);
                break;
            case "DELE":
                HandleDele(command, step);
                break;
            case "RSET":
                if (!NoArguments(command, step)) break;
                drop.UnmarkAll();
                step.Add($"+OK {DescribeMaildrop(drop)}");
                break;
            case "NOOP":
                if (NoArguments(command, step)) step.Add("+OK");
                break;
            case "CAPA":
                if (NoArguments(command, step)) WriteCapabilities(step);
                break;
            case "QUIT":
                if (!NoArguments(command, step)) break;
                State = Pop3SessionState.Update;
                Await(step, new Pop3Effect.Commit(drop.DeletedUids()), Awaiting.Commit);
                break;
            case "USER" or "PASS" or "AUTH" or "STLS":
                step.Add($"-ERR {command.Keyword} is not valid in TRANSACTION state");
                break;
            default:
                step.Add("-ERR Unknown command");
                break;
        }
    }

    private void HandleUser(Pop3CommandLine command, StepBuilder step)
    {
        if (!IsLoginAllowed)
        {
            step.Add("-ERR [AUTH] TLS required");
            return;
        }
        if (command.Arguments.Count != 1)
        {
            step.Add("-ERR USER needs exactly one argument: the mailbox name");
            return;
        }
        _userName = command.Arguments[0];
        step.Add("+OK Send PASS");
    }

    private void HandlePass(Pop3CommandLine command, StepBuilder step)
    {
        if (!IsLoginAllowed)
        {
            step.Add("-ERR [AUTH] TLS required");
            return;
        }
        if (_userName is null)
        {
            step.Add("-ERR Send USER first");
            return;
        }
        if (command.Rest.Length == 0)
        {
            step.Add("-ERR PASS needs an argument: the password");
            return;
        }
        var user = _userName;
        _userName = null;
        // RFC 1939: the password is the whole rest of the line, spaces included.
        Await(step, new Pop3Effect.Authenticate(user, command.Rest), Awaiting.AuthResult);
    }

    private void HandleAuth(Pop3CommandLine command, StepBuilder step)
    {
        if (!IsLoginAllowed)
        {
            step.Add("-ERR [AUTH] TLS required");
            return;
        }
        if (command.Arguments.Count == 0)
        {
            step.Add("-ERR AUTH needs a mechanism name");
            return;
        }
        if (command.Arguments.Count > 2)
        {
            step.Add("-ERR Too many arguments");
            return;
        }
        if (!string.Equals(command.Arguments[0], PlainMechanism, StringComparison.OrdinalIgnoreCase))
        {
            step.Add("-ERR Unsupported authentication mechanism");
            return;
        }
        _userName = null;
        if (command.Arguments.Count == 2)
        {
            HandlePlainResponse(command.Arguments[1], step);
            return;
        }
        // RFC 5034: an empty server challenge, then the client's response on its own line.
        _awaitingPlainResponse = true;
        step.Add("+ ");
    }

    private void HandlePlainContinuation(ReadOnlySpan<byte> line, StepBuilder step)
    {
        var text = Encoding.ASCII.GetString(line).Trim();
        if (text == "*")
        {
            step.Add("-ERR Authentication cancelled");
            return;
        }
        HandlePlainResponse(text, step);
    }

    private void HandlePlainResponse(string base64, StepBuilder step)
    {
        // RFC 5034: "=" stands for an empty initial response (which is then malformed).
        switch (SaslDecoder.DecodePlain(base64, out var credentials))
        {
            case SaslDecodeResult.InvalidBase64:
                step.Add("-ERR Invalid base64 in authentication response");
                return;
            case SaslDecodeResult.Malformed:
                step.Add("-ERR [AUTH] Malformed PLAIN credentials");
                return;
        }
        // The authorization identity is judged with the password (SaslAuthorization): a wrong one fails alike.
        Await(step, new Pop3Effect.Authenticate(credentials.AuthenticationId, credentials.Password, credentials.AuthorizationId), Awaiting.AuthResult);
    }

    private void HandleStls(Pop3CommandLine command, StepBuilder step)
    {
        if (!NoArguments(command, step)) return;
        if (_tlsActive)
        {
            step.Add("-ERR TLS is already active");
            return;
        }
        if (!_options.TlsAvailable)
        {
            step.Add("-ERR STLS is not available");
            return;
        }
        step.Add("+OK Begin TLS negotiation");
        _userName = null;
        _pendingInput.Clear();
        Await(step, Pop3Effect.StartTls.Instance, Awaiting.TlsHandshake);
    }

    private void WriteCapabilities(StepBuilder step)
    {
        // RFC 2449 section 5: capabilities of AUTHORIZATION state are announced in both states,
        // so the list depends only on the connection's TLS status.
        step.Add("+OK Capability list follows");
        step.Add("TOP");
        step.Add("UIDL");
        if (IsLoginAllowed)
        {
            step.Add("USER");
            step.Add($"SASL {PlainMechanism}");
        }
        step.Add("RESP-CODES");
        step.Add("AUTH-RESP-CODE");
        step.Add("PIPELINING");
        if (_options.TlsAvailable && !_tlsActive) step.Add("STLS");
        step.Add("IMPLEMENTATION ActorMTA");
        step.Add(".");
    }

    private void HandleListing(Pop3CommandLine command, StepBuilder step, Func<int, Pop3Message, string> describe)
    {
        var drop = _maildrop!;
        switch (command.Arguments.Count)
        {
            case 0:
                step.Add(command.Keyword == "LIST" ? $"+OK {DescribeMaildrop(drop)}" : "+OK Unique-id listing follows");
                foreach (var (number, message) in drop.Live()) step.Add(describe(number, message));
                step.Add(".");
                break;
            case 1:
                if (TryFindMessage(command.Arguments[0], step, out var found, out var foundNumber))
                {
                    step.Add($"+OK {describe(foundNumber, found)}");
                }
                break;
            default:
                step.Add($"-ERR {command.Keyword} takes at most one argument: a message number");
                break;
        }
    }

    private void HandleRetr(Pop3CommandLine command, StepBuilder step)
    {
        if (command.Arguments.Count != 1)
        {
            step.Add("-ERR RETR needs exactly one argument: a message number");
            return;
        }
        if (!TryFindMessage(command.Arguments[0], step, out var message, out var number)) return;
        _sendingNumber = number;
        Await(step, new Pop3Effect.SendMessage(number, message.Uid, null, $"+OK {message.Size} octets"), Awaiting.MessageSent);
    }

    private void HandleTop(Pop3CommandLine command, StepBuilder step)
    {
        if (command.Arguments.Count != 2)
        {
            step.Add("-ERR TOP needs two arguments: a message number and a line count");
            return;
        }
        if (!TryParseNumber(command.Arguments[1], out var lines))
        {
            step.Add("-ERR Invalid line count");
            return;
        }
        if (!TryFindMessage(command.Arguments[0], step, out var message, out var number)) return;
        // The size of the excerpt is unknown until it is streamed, so no octet count here.
        var topLines = (int)Math.Min(lines, int.MaxValue);
        _sendingNumber = number;
        Await(step, new Pop3Effect.SendMessage(number, message.Uid, topLines, "+OK Top of message follows"), Awaiting.MessageSent);
    }

    private void HandleDele(Pop3CommandLine command, StepBuilder step)
    {
        if (command.Arguments.Count != 1)
        {
            step.Add("-ERR DELE needs exactly one argument: a message number");
            return;
        }
        var drop = _maildrop!;
        if (!TryParseNumber(command.Arguments[0], out var number))
        {
            step.Add("-ERR Invalid message number");
            return;
        }
        if (!drop.Exists(number))
        {
            step.Add("-ERR No such message");
            return;
        }
        if (drop.IsDeleted(number))
        {
            step.Add($"-ERR Message {number} already deleted");
            return;
        }
        drop.MarkDeleted(number);
        step.Add($"+OK Message {number} deleted");
    }

    private bool TryFindMessage(string argument, StepBuilder step, out Pop3Message message, out int number)
    {
        message = null!;
        number = 0;
        if (!TryParseNumber(argument, out var parsed))
        {
            step.Add("-ERR Invalid message number");
            return false;
        }
        var found = _maildrop!.Find(parsed);
        if (found is null)
        {
            step.Add("-ERR No such message");
            return false;
        }
        message = found;
        number = (int)parsed;
        return true;
    }

    /// <summary>Plain decimal digits only (no sign, no blanks); values too large saturate, so they
    /// end up as "no such message" rather than as a syntax error.</summary>
    private static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        if (text.Length == 0) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)) value = long.MaxValue;
        return true;
    }

    private static bool NoArguments(Pop3CommandLine command, StepBuilder step)
    {
        if (command.Arguments.Count == 0) return true;
        step.Add($"-ERR {command.Keyword} takes no arguments");
        return false;
    }

    private static string DescribeMaildrop(Pop3Maildrop drop)
    {
        var count = drop.LiveCount;
        return $"Maildrop has {count} message{(count == 1 ? "" : "s")} ({drop.LiveSize} octets)";
    }

    /// <summary>Collects one step's lines; at most one effect, since the engine stops at the first.</summary>
    private sealed class StepBuilder
    {
        private readonly List<string> _lines = [];
        private Pop3Effect? _effect;

        public void Add(string line) => _lines.Add(line);

        public int Count => _lines.Count;

        public bool HasEffect => _effect is not null;

        /// <summary>The first line added after the first <paramref name="from"/> is an -ERR status.</summary>
        public bool StartsWithError(int from) => _lines.Count > from && _lines[from].StartsWith("-ERR", StringComparison.Ordinal);

        public void SetEffect(Pop3Effect value)
        {
            if (_effect is not null) throw new InvalidOperationException("A POP3 step carries at most one effect.");
            _effect = value;
        }

        public Pop3Step Build() => _lines.Count == 0 && _effect is null ? Pop3Step.Empty : new Pop3Step(_lines, _effect);
    }
}
