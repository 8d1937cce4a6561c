using System.Globalization;
using System.Text;
using ActorMTA.Protocol.Sasl;

namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// The server side of SMTP (RFC 5321 with EHLO, SIZE, PIPELINING, STARTTLS, ENHANCEDSTATUSCODES, AUTH
/// PLAIN/LOGIN, 8BITMIME, SMTPUTF8, CHUNKING, DSN) as a pure state machine: a command line in, an
/// <see cref="SmtpStep"/> out. It does no I/O and keeps no clock. The session actor sends the step's
/// replies, then performs its effect and reports the result through the matching <c>On...</c> method.
/// Not thread-safe (one actor owns it).
/// </summary>
/// <remarks>
/// Pipelining (RFC 2920) needs no queue here: the actor hands over one line at a time and stops reading
/// its buffer while an effect is outstanding, because the bytes after BDAT, DATA or STARTTLS are not
/// command lines. Giving the engine input while it waits for a completion call is a bug in the caller.
/// </remarks>
public sealed class SmtpServerEngine
{
    private const string Plain = "PLAIN";
    private const string Login = "LOGIN";
    private const string UsernameChallenge = "VXNlcm5hbWU6"; // base64 "Username:"
    private const string PasswordChallenge = "UGFzc3dvcmQ6"; // base64 "Password:"

    private enum Awaiting
    {
        Nothing,
        RecipientVerdict,
        AuthResult,
        Data,
        BdatChunk,
        BdatSkip,
        MessageCompletion,
        TlsHandshake,
    }

    // Where a multi-step AUTH exchange stands: the next line is a base64 response, not a command.
    private enum AuthExchange
    {
        None,
        PlainResponse,
        LoginUser,
        LoginPassword,
    }

    private static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");
    private static readonly SmtpReply BadSequenceHelo = new(503, "5.5.1", "Error: send HELO/EHLO first");
    private static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");
    private static readonly SmtpReply TooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    private static readonly SmtpReply ReceiveFailed = new(451, "4.3.0", "Error receiving message content, transaction aborted");
    /// <summary>RFC 3463 4.3.1 "mail system full": temporary, the client tries again later.</summary>
    public static readonly SmtpReply InsufficientStorage = new(452, "4.3.1", "Insufficient system storage");

    private readonly SmtpServerOptions _options;
    private readonly List<SmtpPath> _recipients = [];
    private readonly List<DsnRecipientParameters> _recipientDsn = [];

    private Awaiting _awaiting = Awaiting.Nothing;
    private AuthExchange _authExchange = AuthExchange.None;
    private string _loginUser = "";
    private SmtpPath? _pendingRecipient;
    private DsnRecipientParameters _pendingRecipientDsn = DsnRecipientParameters.None;
    private long _pendingChunkSize;
    private bool _pendingChunkIsLast;
    private SmtpReply? _replyAfterSkip;
    private bool _bdatStarted;
    private long _bdatOctets;

    public SmtpServerEngine(SmtpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.HostName);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRecipients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAuthFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxCommands, 1);
        _options = options;
        TlsActive = options.TlsActive;
    }

    /// <summary>MAIL FROM of the open transaction; null when there is none.</summary>
    public SmtpPath? ReversePath { get; private set; }

    /// <summary>Accepted recipients of the open transaction.</summary>
    public IReadOnlyList<SmtpPath> Recipients => _recipients;

    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461) of the open transaction.</summary>
    public DsnMessageParameters Dsn { get; private set; } = DsnMessageParameters.None;

    /// <summary>RCPT TO NOTIFY=/ORCPT= of each accepted recipient, in the order of <see cref="Recipients"/>.</summary>
    public IReadOnlyList<DsnRecipientParameters> RecipientDsn => _recipientDsn;

    /// <summary>The HELO/EHLO argument; null before HELO/EHLO and after STARTTLS.</summary>
    public string? ClientHelo { get; private set; }

    /// <summary>The client greeted with EHLO (extensions are usable).</summary>
    public bool IsExtended { get; private set; }

    public string? AuthenticatedUser { get; private set; }

    public bool TlsActive { get; private set; }

    public BodyType Body { get; private set; }

    public bool SmtpUtf8 { get; private set; }

    /// <summary>The MAIL FROM SIZE= parameter, if given.</summary>
    public long? DeclaredSize { get; private set; }

    /// <summary>
    /// Bytes the server can still store (free space above its reserve), as last measured by the caller; at or below
    /// zero MAIL is refused with 452 4.3.1, and so is a SIZE= that would not fit (RFC 1870 section 6.1).
    /// </summary>
    public long StorageHeadroom { get; set; } = long.MaxValue;

    /// <summary>Failed AUTH attempts so far; the actor delays a failure reply in proportion.</summary>
    public int AuthFailures { get; private set; }

    /// <summary>Errors the client caused so far: 4xx/5xx replies to its commands, refused recipients included
    /// (not the server's own failures to store a message).</summary>
    public int ErrorCount { get; private set; }

    /// <summary>Input lines handled so far (commands, AUTH responses, over-long lines).</summary>
    public int CommandCount { get; private set; }

    /// <summary>True between an effect (other than Close) and its completion call.</summary>
    public bool IsAwaitingCompletion => _awaiting != Awaiting.Nothing;

    public bool IsClosed { get; private set; }

    /// <summary>AUTH is advertised and accepted on this connection now.</summary>
    public bool IsAuthOffered => !_options.AuthRequiresTls || TlsActive;

    /// <summary>STARTTLS is advertised and accepted on this connection now.</summary>
    public bool IsStartTlsOffered => _options.TlsAvailable && !TlsActive;

    private bool _refusedAtGreeting;

    public SmtpStep Start() =>
        IsClosed ? SmtpStep.Empty : Single(new SmtpReply(220, null, $"{_options.HostName} ESMTP ActorMTA"));

    /// <summary>
    /// Opens the session with a refusal (a 554 greeting) instead of 220. RFC 5321 section 3.1: the server then waits for
    /// QUIT and answers every other command with 503; those answers count as errors, so a client that keeps talking
    /// meets the error limits.
    /// </summary>
    public SmtpStep StartRefused(SmtpReply greeting)
    {
        ArgumentNullException.ThrowIfNull(greeting);
        if (greeting.Code != 554) throw new ArgumentException("A refusing greeting is a 554 reply (RFC 5321 section 3.1).", nameof(greeting));
        if (IsClosed) return SmtpStep.Empty;
        _refusedAtGreeting = true;
        return Single(greeting);
    }

    /// <summary>One line from the client without its CRLF.</summary>
    public SmtpStep OnLine(ReadOnlySpan<byte> line)
    {
        if (IsClosed) return SmtpStep.Empty;
        EnsureNotAwaiting();
        var step = new StepBuilder();
        if (CountCommand(step)) return step.Build();

        if (_authExchange != AuthExchange.None)
        {
            HandleAuthResponse(line, step);
            return CountErrors(step);
        }

        var text = SmtpCommandLine.Decode(line);
        if (text is null)
        {
            step.Add(new SmtpReply(500, "5.5.2", "Error: command is not valid UTF-8"));
            return CountErrors(step);
        }
        HandleCommand(SmtpCommandLine.Parse(text), step);
        return CountErrors(step);
    }

    /// <summary>The I/O adapter discarded a line longer than its limit; the session continues.</summary>
    public SmtpStep OnLineTooLong()
    {
        if (IsClosed) return SmtpStep.Empty;
        EnsureNotAwaiting();
        var step = new StepBuilder();
        if (CountCommand(step)) return step.Build();
        // An over-long AUTH response ends the exchange like any other failed one.
        _authExchange = AuthExchange.None;
        step.Add(new SmtpReply(500, "5.5.6", "Error: line too long"));
        return CountErrors(step);
    }

    /// <summary>The client was idle too long.</summary>
    public SmtpStep OnTimeout() => Abort(new SmtpReply(421, "4.4.2", $"{_options.HostName} Error: timeout exceeded, closing connection"));

    /// <summary>The server is stopping.</summary>
    public SmtpStep OnShutdown() => Abort(new SmtpReply(421, "4.3.2", $"{_options.HostName} Service shutting down, closing connection"));

    /// <summary>The TLS handshake after STARTTLS succeeded. RFC 3207 section 4.2: everything learned over
    /// plaintext is forgotten, the client must EHLO again. No reply.</summary>
    public SmtpStep OnTlsEstablished()
    {
        if (IsClosed) return SmtpStep.Empty;
        Expect(Awaiting.TlsHandshake);
        _awaiting = Awaiting.Nothing;
        TlsActive = true;
        ClientHelo = null;
        IsExtended = false;
        AuthenticatedUser = null;
        ResetTransaction();
        return SmtpStep.Empty;
    }

    public SmtpStep OnRecipientVerdict(RecipientVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (IsClosed) return SmtpStep.Empty;
        Expect(Awaiting.RecipientVerdict);
        _awaiting = Awaiting.Nothing;
        var recipient = _pendingRecipient!;
        var dsn = _pendingRecipientDsn;
        _pendingRecipient = null;
        _pendingRecipientDsn = DsnRecipientParameters.None;
        if (!verdict.IsAccepted)
        {
            var refused = new StepBuilder();
            refused.Add(verdict.Rejection!);
            return CountErrors(refused);
        }
        _recipients.Add(recipient);
        _recipientDsn.Add(dsn);
        return Single(new SmtpReply(250, "2.1.5", "Ok"));
    }

    /// <param name="success">The credentials are valid.</param>
    /// <param name="authenticatedUser">The canonical account name; null to keep the name the client sent.</param>
    public SmtpStep OnAuthResult(bool success, string? authenticatedUser)
    {
        if (IsClosed) return SmtpStep.Empty;
        Expect(Awaiting.AuthResult);
        _awaiting = Awaiting.Nothing;
        var user = _loginUser;
        _loginUser = "";
        if (success)
        {
            AuthenticatedUser = authenticatedUser ?? user;
            return Single(new SmtpReply(235, "2.7.0", "Authentication successful"));
        }

        AuthFailures++;
        var step = new StepBuilder();
        if (AuthFailures >= _options.MaxAuthFailures)
        {
            step.Add(new SmtpReply(421, "4.7.0", $"{_options.HostName} Too many authentication failures, closing connection"));
            Close(step);
        }
        else
        {
            step.Add(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
        }
        return CountErrors(step);
    }

    /// <summary>Result of <see cref="SmtpEffect.BeginData"/>, <see cref="SmtpEffect.BeginBdat"/> or
    /// <see cref="SmtpEffect.SkipBdat"/>.</summary>
    public SmtpStep OnDataReceived(DataOutcome outcome)
    {
        if (IsClosed) return SmtpStep.Empty;
        var step = new StepBuilder();
        switch (_awaiting)
        {
            case Awaiting.Data:
                _awaiting = Awaiting.Nothing;
                FinishContent(outcome, isLast: true, chunkSize: 0, step);
                break;
            case Awaiting.BdatChunk:
                _awaiting = Awaiting.Nothing;
                FinishContent(outcome, _pendingChunkIsLast, _pendingChunkSize, step);
                break;
            case Awaiting.BdatSkip:
                _awaiting = Awaiting.Nothing;
                step.Add(_replyAfterSkip!);
                _replyAfterSkip = null;
                break;
            default:
                throw new InvalidOperationException($"SMTP engine is waiting for {_awaiting}, not message content.");
        }
        return CountErrors(step);
    }

    /// <summary>The message is durable and persisted under this queue id.</summary>
    public SmtpStep OnMessageAccepted(string queueId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueId);
        if (IsClosed) return SmtpStep.Empty;
        Expect(Awaiting.MessageCompletion);
        _awaiting = Awaiting.Nothing;
        ResetTransaction();
        return Single(new SmtpReply(250, "2.0.0", $"Ok: queued as {queueId}"));
    }

    /// <summary>The message could not be stored; the reply (4xx/5xx, e.g. 451 4.3.0) is sent as is.</summary>
    public SmtpStep OnMessageFailed(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsPositive) throw new ArgumentException("A failed message needs a 4xx or 5xx reply.", nameof(reply));
        if (IsClosed) return SmtpStep.Empty;
        Expect(Awaiting.MessageCompletion);
        _awaiting = Awaiting.Nothing;
        ResetTransaction();
        return Single(reply);
    }

    private void HandleCommand(SmtpCommandLine command, StepBuilder step)
    {
        if (_refusedAtGreeting && command.Verb != "QUIT")
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: service refused at connection, send QUIT"));
            return;
        }
        switch (command.Verb)
        {
            case "EHLO":
                HandleHello(command, extended: true, step);
                break;
            case "HELO":
                HandleHello(command, extended: false, step);
                break;
            case "MAIL":
                HandleMail(command, step);
                break;
            case "RCPT":
                HandleRcpt(command, step);
                break;
            case "DATA":
                HandleData(command, step);
                break;
            case "BDAT":
                HandleBdat(command, step);
                break;
            case "RSET":
                if (!NoArguments(command, step)) break;
                ResetTransaction();
                step.Add(Ok);
                break;
            case "NOOP":
                step.Add(Ok);
                break;
            case "QUIT":
                step.Add(new SmtpReply(221, "2.0.0", $"{_options.HostName} closing connection"));
                Close(step);
                break;
            case "VRFY":
                if (string.IsNullOrWhiteSpace(command.Arguments)) step.Add(SyntaxError);
                else step.Add(new SmtpReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
                break;
            case "EXPN":
                step.Add(new SmtpReply(502, "5.5.1", "Error: EXPN not implemented"));
                break;
            case "HELP":
                step.Add(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH HELP; see RFC 5321"));
                break;
            case "STARTTLS":
                HandleStartTls(command, step);
                break;
            case "AUTH":
                HandleAuth(command, step);
                break;
            default:
                step.Add(new SmtpReply(500, "5.5.2", "Error: command not recognized"));
                break;
        }
    }

    private void HandleHello(SmtpCommandLine command, bool extended, StepBuilder step)
    {
        var argument = command.Arguments.Trim();
        if (argument.Length == 0)
        {
            step.Add(new SmtpReply(501, "5.5.4", $"Syntax: {command.Verb} hostname"));
            return;
        }
        // RFC 5321 section 4.1.4: a repeated EHLO/HELO implies RSET.
        ResetTransaction();
        ClientHelo = argument;
        IsExtended = extended;
        if (!extended)
        {
            step.Add(new SmtpReply(250, null, _options.HostName));
            return;
        }

        var lines = new List<string>
        {
            _options.HostName,
            "PIPELINING",
            $"SIZE {_options.MaxMessageSize.ToString(CultureInfo.InvariantCulture)}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "DSN",
            "CHUNKING",
        };
        if (IsStartTlsOffered) lines.Add("STARTTLS");
        if (IsAuthOffered) lines.Add("AUTH PLAIN LOGIN");
        step.Add(new SmtpReply(250, null, lines));
    }

    private void HandleMail(SmtpCommandLine command, StepBuilder step)
    {
        if (ClientHelo is null)
        {
            step.Add(BadSequenceHelo);
            return;
        }
        if (ReversePath is not null)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: nested MAIL command"));
            return;
        }
        if (_options.IsSubmission && AuthenticatedUser is null)
        {
            step.Add(new SmtpReply(530, "5.7.0", "Authentication required"));
            return;
        }
        if (!TryParsePathArgument(command.Arguments, "FROM:", isReversePath: true, out var path, out var parameters, step)) return;

        long? size = null;
        var body = BodyType.Unspecified;
        var utf8 = false;
        var dsnReturn = DsnReturn.Unspecified;
        string? envelopeId = null;
        var seen = new HashSet<string>();
        foreach (var parameter in parameters)
        {
            if (!seen.Add(parameter.Keyword))
            {
                step.Add(new SmtpReply(501, "5.5.4", $"Error: duplicate {parameter.Keyword} parameter"));
                return;
            }
            switch (parameter.Keyword)
            {
                case "SIZE":
                    if (!TryParseDecimal(parameter.Value, out var declared))
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad SIZE parameter"));
                        return;
                    }
                    if (declared > _options.MaxMessageSize)
                    {
                        step.Add(TooBig);
                        return;
                    }
                    size = declared;
                    break;
                case "BODY":
                    switch (parameter.Value?.ToUpperInvariant())
                    {
                        case "7BIT":
                            body = BodyType.SevenBit;
                            break;
                        case "8BITMIME":
                            body = BodyType.EightBitMime;
                            break;
                        case "BINARYMIME":
                            // RFC 3030 BINARYMIME is not advertised.
                            step.Add(new SmtpReply(555, "5.5.4", "Error: BODY=BINARYMIME is not supported"));
                            return;
                        default:
                            step.Add(new SmtpReply(501, "5.5.4", "Error: bad BODY parameter"));
                            return;
                    }
                    break;
                case "SMTPUTF8":
                    if (parameter.Value is not null)
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: SMTPUTF8 takes no value"));
                        return;
                    }
                    utf8 = true;
                    break;
                case "AUTH":
                    // RFC 4954 section 5: the original submitter's identity; accepted and not used, since
                    // this server does not trust other servers' assertions.
                    if (parameter.Value is null)
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad AUTH parameter"));
                        return;
                    }
                    break;
                case "RET":
                    if (!DsnParameterParser.TryParseReturn(parameter.Value, out dsnReturn))
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad RET parameter"));
                        return;
                    }
                    break;
                case "ENVID":
                    if (!DsnParameterParser.TryParseEnvelopeId(parameter.Value, out var decodedId))
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad ENVID parameter"));
                        return;
                    }
                    envelopeId = decodedId;
                    break;
                default:
                    step.Add(new SmtpReply(555, "5.5.4", $"Error: unsupported parameter {parameter.Keyword}"));
                    return;
            }
        }

        if (path.IsInternational && !utf8)
        {
            step.Add(new SmtpReply(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8"));
            return;
        }

        if (StorageHeadroom <= 0 || size > StorageHeadroom)
        {
            step.Add(InsufficientStorage);
            return;
        }

        ReversePath = path;
        DeclaredSize = size;
        Body = body;
        SmtpUtf8 = utf8;
        Dsn = dsnReturn == DsnReturn.Unspecified && envelopeId is null ? DsnMessageParameters.None : new DsnMessageParameters(dsnReturn, envelopeId);
        step.Add(new SmtpReply(250, "2.1.0", "Ok"));
    }

    private void HandleRcpt(SmtpCommandLine command, StepBuilder step)
    {
        if (ReversePath is null)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: need MAIL command"));
            return;
        }
        if (_bdatStarted)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: RCPT not allowed after BDAT"));
            return;
        }
        if (!TryParsePathArgument(command.Arguments, "TO:", isReversePath: false, out var path, out var parameters, step)) return;
        if (!TryParseRecipientParameters(parameters, out var dsn, step)) return;
        if (path.IsInternational && !SmtpUtf8)
        {
            step.Add(new SmtpReply(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8"));
            return;
        }
        if (_recipients.Contains(path))
        {
            step.Add(new SmtpReply(250, "2.1.5", "Ok"));
            return;
        }
        if (_recipients.Count >= _options.MaxRecipients)
        {
            step.Add(new SmtpReply(452, "4.5.3", "Error: too many recipients"));
            return;
        }
        _pendingRecipient = path;
        _pendingRecipientDsn = dsn;
        Await(step, new SmtpEffect.CheckRecipient(path), Awaiting.RecipientVerdict);
    }

    private static bool TryParseRecipientParameters(IReadOnlyList<SmtpParameter> parameters, out DsnRecipientParameters dsn, StepBuilder step)
    {
        dsn = DsnRecipientParameters.None;
        var notify = DsnNotify.Unspecified;
        string? originalRecipient = null;
        var seen = new HashSet<string>();
        foreach (var parameter in parameters)
        {
            if (!seen.Add(parameter.Keyword))
            {
                step.Add(new SmtpReply(501, "5.5.4", $"Error: duplicate {parameter.Keyword} parameter"));
                return false;
            }
            switch (parameter.Keyword)
            {
                case "NOTIFY":
                    if (!DsnParameterParser.TryParseNotify(parameter.Value, out notify))
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad NOTIFY parameter"));
                        return false;
                    }
                    break;
                case "ORCPT":
                    if (!DsnParameterParser.TryParseOriginalRecipient(parameter.Value, out var decoded))
                    {
                        step.Add(new SmtpReply(501, "5.5.4", "Error: bad ORCPT parameter"));
                        return false;
                    }
                    originalRecipient = decoded;
                    break;
                default:
                    step.Add(new SmtpReply(555, "5.5.4", $"Error: unsupported parameter {parameter.Keyword}"));
                    return false;
            }
        }
        if (notify != DsnNotify.Unspecified || originalRecipient is not null) dsn = new DsnRecipientParameters(notify, originalRecipient);
        return true;
    }

    private void HandleData(SmtpCommandLine command, StepBuilder step)
    {
        if (!NoArguments(command, step)) return;
        if (RefusalForContent() is { } refusal)
        {
            step.Add(refusal);
            return;
        }
        if (_bdatStarted)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: DATA not allowed after BDAT"));
            return;
        }
        step.Add(new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>"));
        Await(step, SmtpEffect.BeginData.Instance, Awaiting.Data);
    }

    private void HandleBdat(SmtpCommandLine command, StepBuilder step)
    {
        var arguments = command.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var last = arguments.Length == 2 && arguments[1].Equals("LAST", StringComparison.OrdinalIgnoreCase);
        if (arguments.Length is 0 or > 2 || (arguments.Length == 2 && !last) || !TryParseDecimal(arguments[0], out var size))
        {
            // Without a size there is no way to find the end of the chunk; the client's bytes will be
            // read as (bad) commands, as with any broken client.
            step.Add(new SmtpReply(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]"));
            return;
        }

        // RFC 3030 section 2: a refused chunk is already on the wire and must be read and dropped.
        if (RefusalForContent() is { } refusal)
        {
            Skip(size, refusal, step);
            return;
        }
        if (size > _options.MaxMessageSize - _bdatOctets)
        {
            ResetTransaction();
            Skip(size, TooBig, step);
            return;
        }
        _bdatStarted = true;
        _pendingChunkSize = size;
        _pendingChunkIsLast = last;
        Await(step, new SmtpEffect.BeginBdat(size, last), Awaiting.BdatChunk);
    }

    private void Skip(long size, SmtpReply reply, StepBuilder step)
    {
        _replyAfterSkip = reply;
        Await(step, new SmtpEffect.SkipBdat(size), Awaiting.BdatSkip);
    }

    // Null when a transaction with at least one recipient is open.
    private SmtpReply? RefusalForContent() =>
        ClientHelo is null ? BadSequenceHelo
        : ReversePath is null ? new SmtpReply(503, "5.5.1", "Error: need MAIL command")
        : _recipients.Count == 0 ? new SmtpReply(503, "5.5.1", "Error: need RCPT command")
        : null;

    private void FinishContent(DataOutcome outcome, bool isLast, long chunkSize, StepBuilder step)
    {
        switch (outcome)
        {
            case DataOutcome.Complete:
                _bdatOctets += chunkSize;
                if (isLast)
                {
                    Await(step, new SmtpEffect.CompleteMessage(CurrentEnvelope()), Awaiting.MessageCompletion);
                }
                else
                {
                    step.Add(new SmtpReply(250, "2.0.0", $"{chunkSize.ToString(CultureInfo.InvariantCulture)} octets received"));
                }
                break;
            case DataOutcome.TooBig:
                ResetTransaction();
                step.Add(TooBig);
                break;
            case DataOutcome.Aborted:
                ResetTransaction();
                step.Add(ReceiveFailed);
                break;
            case DataOutcome.InsufficientStorage:
                ResetTransaction();
                step.Add(InsufficientStorage);
                break;
            case DataOutcome.BareLineEnd:
                ResetTransaction();
                step.Add(new SmtpReply(554, "5.6.0", "Error: bare CR or LF in message content, lines must end with CRLF"));
                break;
            case DataOutcome.TooManyHops:
                ResetTransaction();
                step.Add(new SmtpReply(554, "5.4.6", "Error: too many hops (mail loop?)"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    private SmtpEnvelope CurrentEnvelope() =>
        new(ReversePath!, _recipients.ToArray(), Body, SmtpUtf8, DeclaredSize, ClientHelo, AuthenticatedUser, TlsActive)
        {
            Dsn = Dsn,
            RecipientDsn = _recipientDsn.ToArray(),
        };

    private void HandleStartTls(SmtpCommandLine command, StepBuilder step)
    {
        if (!NoArguments(command, step)) return;
        if (TlsActive)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: TLS already active"));
            return;
        }
        if (!_options.TlsAvailable)
        {
            step.Add(new SmtpReply(454, "4.7.0", "TLS not available"));
            return;
        }
        step.Add(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        Await(step, SmtpEffect.StartTls.Instance, Awaiting.TlsHandshake);
    }

    private void HandleAuth(SmtpCommandLine command, StepBuilder step)
    {
        if (!IsExtended)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: send EHLO first"));
            return;
        }
        if (!IsAuthOffered)
        {
            step.Add(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
            return;
        }
        if (AuthenticatedUser is not null)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: already authenticated"));
            return;
        }
        if (ReversePath is not null)
        {
            step.Add(new SmtpReply(503, "5.5.1", "Error: AUTH not permitted during a mail transaction"));
            return;
        }

        var arguments = command.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (arguments.Length is 0 or > 2)
        {
            step.Add(new SmtpReply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
            return;
        }
        var mechanism = arguments[0].ToUpperInvariant();
        var initialResponse = arguments.Length == 2 ? arguments[1] : null;
        switch (mechanism)
        {
            case Plain when initialResponse is null:
                _authExchange = AuthExchange.PlainResponse;
                step.Add(new SmtpReply(334, null, ""));
                break;
            case Plain:
                CompletePlain(initialResponse, step);
                break;
            case Login when initialResponse is null:
                _authExchange = AuthExchange.LoginUser;
                step.Add(new SmtpReply(334, null, UsernameChallenge));
                break;
            case Login:
                if (initialResponse == "*")
                {
                    step.Add(Cancelled());
                    break;
                }
                AcceptLoginUser(initialResponse, step);
                break;
            default:
                step.Add(new SmtpReply(504, "5.5.4", "Error: unrecognized authentication type"));
                break;
        }
    }

    private void HandleAuthResponse(ReadOnlySpan<byte> line, StepBuilder step)
    {
        var exchange = _authExchange;
        _authExchange = AuthExchange.None;
        var response = Encoding.ASCII.GetString(line).Trim();
        if (response == "*")
        {
            step.Add(Cancelled());
            return;
        }
        switch (exchange)
        {
            case AuthExchange.PlainResponse:
                CompletePlain(response, step);
                break;
            case AuthExchange.LoginUser:
                AcceptLoginUser(response, step);
                break;
            case AuthExchange.LoginPassword:
                if (!SaslDecoder.TryDecodeText(response, out var password))
                {
                    step.Add(BadBase64());
                    return;
                }
                RequestAuthentication(Login, "", _loginUser, password, step);
                break;
        }
    }

    private void CompletePlain(string base64, StepBuilder step)
    {
        if (!SaslDecoder.TryDecodePlain(base64, out var credentials))
        {
            step.Add(BadBase64());
            return;
        }
        RequestAuthentication(Plain, credentials.AuthorizationId, credentials.AuthenticationId, credentials.Password, step);
    }

    private void AcceptLoginUser(string base64, StepBuilder step)
    {
        if (!SaslDecoder.TryDecodeText(base64, out var user) || user.Length == 0)
        {
            step.Add(BadBase64());
            return;
        }
        _loginUser = user;
        _authExchange = AuthExchange.LoginPassword;
        step.Add(new SmtpReply(334, null, PasswordChallenge));
    }

    private void RequestAuthentication(string mechanism, string authorizationId, string user, string password, StepBuilder step)
    {
        _loginUser = user;
        Await(step, new SmtpEffect.Authenticate(mechanism, authorizationId, user, password), Awaiting.AuthResult);
    }

    private static SmtpReply Cancelled() => new(501, "5.0.0", "Authentication cancelled");

    private static SmtpReply BadBase64() => new(501, "5.5.2", "Error: invalid base64 data in authentication response");

    private bool TryParsePathArgument(
        string arguments,
        string prefix,
        bool isReversePath,
        out SmtpPath path,
        out IReadOnlyList<SmtpParameter> parameters,
        StepBuilder step)
    {
        path = SmtpPath.Null;
        parameters = [];
        if (!arguments.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            step.Add(new SmtpReply(501, "5.5.4", isReversePath ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>"));
            return false;
        }
        // Tolerate "FROM: <a@b>": common in the wild and unambiguous.
        var position = prefix.Length;
        while (position < arguments.Length && arguments[position] == ' ') position++;
        if (!SmtpPathParser.TryParse(arguments, ref position, allowNull: isReversePath, allowPostmaster: !isReversePath, out path))
        {
            step.Add(new SmtpReply(501, "5.5.4", isReversePath ? "Error: bad sender address syntax" : "Error: bad recipient address syntax"));
            return false;
        }
        var rest = arguments[position..];
        if (rest.Length > 0 && rest[0] != ' ')
        {
            step.Add(SyntaxError);
            return false;
        }
        if (!SmtpParameter.TryParseList(rest, out parameters))
        {
            step.Add(new SmtpReply(501, "5.5.4", "Error: malformed parameter"));
            return false;
        }
        // RFC 5321 section 4.1.1.11: parameters belong to extensions, which only EHLO negotiates.
        if (parameters.Count > 0 && !IsExtended)
        {
            step.Add(new SmtpReply(555, "5.5.4", "Error: parameters require EHLO"));
            return false;
        }
        return true;
    }

    private static bool TryParseDecimal(string? text, out long value)
    {
        value = 0;
        // Digits only (no sign, no spaces) and at most 18 of them, so the value fits a long.
        if (string.IsNullOrEmpty(text) || text.Length > 18 || !text.All(char.IsAsciiDigit)) return false;
        value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    private static bool NoArguments(SmtpCommandLine command, StepBuilder step)
    {
        if (string.IsNullOrWhiteSpace(command.Arguments)) return true;
        step.Add(SyntaxError);
        return false;
    }

    /// <summary>
    /// Postfix's smtpd_soft_error_limit / smtpd_hard_error_limit: past the soft limit every error reply is
    /// delayed (the step says so; the actor keeps the clock), at the hard limit the session ends with
    /// 421 4.7.0. Bad commands and refused recipients count alike, which also ends address harvesting.
    /// </summary>
    private SmtpStep CountErrors(StepBuilder step)
    {
        if (IsClosed || !step.HasNoEffect) return step.Build();
        var errors = step.NegativeReplies;
        if (errors == 0) return step.Build();
        ErrorCount += errors;
        if (ErrorCount >= _options.HardErrorLimit)
        {
            step.Add(new SmtpReply(421, "4.7.0", $"{_options.HostName} Error: too many errors, closing connection"));
            Close(step);
            return step.Build();
        }
        var built = step.Build();
        return ErrorCount > _options.SoftErrorLimit ? built with { Delayed = true } : built;
    }

    // Returns true when the session was closed for exceeding the command limit.
    private bool CountCommand(StepBuilder step)
    {
        CommandCount++;
        if (CommandCount <= _options.MaxCommands) return false;
        step.Add(new SmtpReply(421, "4.7.0", $"{_options.HostName} Error: too many commands, closing connection"));
        Close(step);
        return true;
    }

    private SmtpStep Abort(SmtpReply reply)
    {
        if (IsClosed) return SmtpStep.Empty;
        var step = new StepBuilder();
        // Mid-handshake a plaintext reply would corrupt the TLS stream; just close.
        if (_awaiting != Awaiting.TlsHandshake) step.Add(reply);
        Close(step);
        return step.Build();
    }

    private void ResetTransaction()
    {
        ReversePath = null;
        _recipients.Clear();
        _recipientDsn.Clear();
        Dsn = DsnMessageParameters.None;
        Body = BodyType.Unspecified;
        SmtpUtf8 = false;
        DeclaredSize = null;
        _bdatStarted = false;
        _bdatOctets = 0;
    }

    private void Close(StepBuilder step)
    {
        step.SetEffect(SmtpEffect.Close.Instance);
        IsClosed = true;
        _awaiting = Awaiting.Nothing;
        _authExchange = AuthExchange.None;
        _pendingRecipient = null;
        _pendingRecipientDsn = DsnRecipientParameters.None;
        _replyAfterSkip = null;
    }

    private void Await(StepBuilder step, SmtpEffect effect, Awaiting what)
    {
        step.SetEffect(effect);
        _awaiting = what;
    }

    private void Expect(Awaiting expected)
    {
        if (_awaiting != expected)
        {
            throw new InvalidOperationException($"SMTP engine is waiting for {_awaiting}, not {expected}.");
        }
    }

    private void EnsureNotAwaiting()
    {
        if (_awaiting != Awaiting.Nothing)
        {
            throw new InvalidOperationException($"SMTP engine is waiting for {_awaiting}; no input may be given until it is answered.");
        }
    }

    private static SmtpStep Single(SmtpReply reply) => new([reply], null);

    private sealed class StepBuilder
    {
        private readonly List<SmtpReply> _replies = [];
        private SmtpEffect? _effect;

        public void Add(SmtpReply reply) => _replies.Add(reply);

        public void SetEffect(SmtpEffect value)
        {
            if (_effect is not null) throw new InvalidOperationException("A step carries at most one effect.");
            _effect = value;
        }

        public bool HasNoEffect => _effect is null;

        public int NegativeReplies => _replies.Count(r => !r.IsPositive);

        public SmtpStep Build() => _replies.Count == 0 && _effect is null ? SmtpStep.Empty : new SmtpStep(_replies.ToArray(), _effect);
    }
}
