using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Protocol.Imap;
using ActorMTA.Protocol.Sasl;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// One IMAP connection. The pure <see cref="ImapCommandReader"/> assembles commands from lines and
/// literals; this actor runs them one at a time against the Mailbox entity (wherever it lives in the
/// cluster), reads message content off the actor thread and keeps the selected folder's
/// sequence-number ↔ uid map. This file: input, literals, login, dispatch and completion.
/// </summary>
public sealed partial class ImapSession : ProtocolSession
{
    private sealed record MailboxTimedOut(long Correlation);

    /// <summary>What the next client line is for.</summary>
    private enum LineMode { Command, Idle, SaslResponse }

    private static readonly byte[] Farewell = Encoding.ASCII.GetBytes("* BYE Server shutting down\r\n");

    private readonly ImapLimits _limits;
    private readonly ImapServerOptions _options;
    private readonly ImapCommandReader _reader;
    private readonly TimeSpan _mailboxTimeout;
    private ImapState _state = ImapState.NotAuthenticated;
    private bool _tlsActive;
    private string? _user;
    private LineMode _lineMode = LineMode.Command;
    private int _authFailures;
    private int _badCommands;
    private bool _compressed;
    // RFC 7162: CONDSTORE once the client used it (or enabled it); QRESYNC only through ENABLE, and it implies CONDSTORE.
    private bool _condStore;
    private bool _qresync;
    // RFC 6855: mailbox names in UTF-8 both ways (enabled before any SELECT, so no view holds old names).
    private bool _utf8Accept;

    // The command being executed (one at a time), and the handler for the mailbox's answer to it.
    private ImapCommand? _running;
    private Action<object>? _onMailboxReply;
    private IMailboxCommand? _askedCommand;
    private readonly FolderSelectedParts.Assembler _selectParts = new();
    private long _pendingCorrelation = -1;
    private long _nextCorrelation;

    // The literal being read: into memory (command strings) or into the content store (APPEND message).
    private MemorySink? _literalSink;
    // One part per APPEND message literal read so far (several with MULTIAPPEND), in order.
    private readonly List<AppendPart> _appendParts = [];
    private bool _discardingLiteral;

    public ImapSession(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) : base(services, listener, socket, client)
    {
        _limits = services.Settings.Imap;
        _mailboxTimeout = services.Settings.Smtp.AcceptTimeout;
        _options = new ImapServerOptions(StartTlsAvailable, _limits.AuthRequiresTls, _limits.MaxLiteralSize, _limits.MaxCommandSize)
        {
            MaxLiteralBeforeAuth = _limits.MaxLiteralBeforeAuth,
        };
        _reader = new ImapCommandReader(_options);
        _tlsActive = TlsActiveAtStart;

        Receive<LineReceived>(m => { InputArrived(); OnLine(m.Line); });
        Receive<LineTooLong>(_ => { InputArrived(); ApplyRead(_reader.OnLineTooLong()); });
        Receive<ReadTimedOut>(_ =>
        {
            InputArrived();
            Log.Info("imap session={0} client={1} timeout: {2} not complete in time", SessionId, Connection.RemoteEndPoint,
                _lineMode == LineMode.Idle ? "IDLE" : "command");
            Bye("Autologout; idle for too long");
        });
        Receive<DataCompleted>(OnLiteralRead);
        Receive<ContentSent>(m =>
        {
            // Only failures are reported: the connection closes, the literal it promised cannot be completed.
            if (!m.Ok) Log.Warning("imap session={0} user={1} stored content unreadable during FETCH: {2}", SessionId, _user, m.Failure ?? "unknown");
        });
        Receive<MailboxTimedOut>(m =>
        {
            if (m.Correlation != _pendingCorrelation || _running is null) return;
            _onMailboxReply = null;
            _pendingCorrelation = -1;
            Log.Error("imap session={0} user={1} mailbox did not answer in {2}", SessionId, _user, _mailboxTimeout);
            Complete(ImapStatus.No, ImapResponseCode.Unavailable, "Mailbox temporarily unavailable");
        });
        Receive<FolderChanged>(OnFolderChanged);
        Receive<MailboxCommandRefused>(OnMailboxReply);
        Receive<FolderCommandDone>(OnMailboxReply);
        Receive<FolderList>(OnMailboxReply);
        Receive<FolderInfo>(OnMailboxReply);
        Receive<SpecialFoldersEnsured>(OnMailboxReply);
        Receive<FolderSelectedPart>(_selectParts.Add);
        Receive<FolderSelected>(m =>
        {
            if (_selectParts.Complete(m) is { } whole) OnMailboxReply(whole);
            // Unusable without its first messages: the SELECT times out as when the mailbox does not answer.
            else Log.Error("imap session={0} user={1} SELECT reply of {2} arrived with parts missing", SessionId, _user, m.Folder);
        });
        Receive<FolderUnselected>(OnMailboxReply);
        Receive<FlagsStored>(OnMailboxReply);
        Receive<VanishedUids>(OnMailboxReply);
        Receive<QuotaStatus>(OnMailboxReply);
        Receive<MessageAppendedToFolder>(OnMailboxReply);
        Receive<MessagesAppendedToFolder>(OnMailboxReply);
        Receive<MessagesCopied>(OnMailboxReply);
        Receive<MessagesExpunged>(OnMailboxReply);
        Receive<JournalWriteFailed>(m =>
        {
            if (!m.IsAbout(_askedCommand, Context.System.Serialization)) return;
            Log.Error("imap session={0} user={1} mailbox could not write: {2}", SessionId, _user, m.Reason);
            OnMailboxReply(m);
        });
        ReceiveMessageWork();
        ReceiveSearchWork();
    }

    public static Props Props(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) =>
        Akka.Actor.Props.Create(() => new ImapSession(services, listener, socket, client));

    protected override string Protocol => "imap";
    protected override TimeSpan AuthFailureDelay => _limits.AuthFailureDelay;
    protected override ReadOnlyMemory<byte> ShutdownFarewell => Farewell;

    private IReadOnlyList<string> Capabilities => ImapCapabilities.For(_options, _state, _tlsActive);

    protected override void OnGreeting()
    {
        Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.Capability(Capabilities), "ActorMTA IMAP4rev1 ready"));
        NextCommand();
    }

    protected override void OnTlsUpgraded()
    {
        _tlsActive = true;
        // Plaintext sent after STARTTLS must not be taken as commands (RFC 3501 section 6.2.1).
        _reader.Reset();
        NextCommand();
    }

    protected override void OnAuthenticated(string user)
    {
        _user = user.ToLowerInvariant();
        _reader.Authenticated = true;
        // First login creates INBOX's UIDVALIDITY and the special-use folders; idempotent later. Not required: when
        // they cannot be stored (full disk) the login goes on and shows the mailbox as it is.
        AskMailbox(new EnsureSpecialFolders(_user), _ =>
        {
            _state = ImapState.Authenticated;
            Complete(ImapStatus.Ok, ImapResponseCode.Capability(Capabilities), "Logged in");
        });
    }

    protected override void OnAuthenticationFailed(string user)
    {
        if (++_authFailures >= _limits.MaxAuthFailures)
        {
            SendTagged(ImapStatus.No, ImapResponseCode.AuthenticationFailed, "Invalid credentials");
            _running = null;
            Bye("Too many failed logins");
            return;
        }
        Complete(ImapStatus.No, ImapResponseCode.AuthenticationFailed, "Invalid credentials");
    }

    protected override void OnConnectionClosed(string reason)
    {
        AbortAppendWriter();
        if (_user is not null && _selected is not null) Services.MailboxRegion.Tell(new UnselectFolder(_user, Self));
    }

    // ---- input ----

    private TimeSpan CommandTimeout => _limits.Deadlines.CommandTimeout(_limits.CommandTimeout, Services.ImapConnections.UnderStress);

    private void NextCommand()
    {
        if (_state == ImapState.Logout) return;
        if (ShutdownRequested)
        {
            Bye("Server shutting down");
            return;
        }
        _lineMode = LineMode.Command;
        ReadCommand(_limits.MaxLineLength, CommandTimeout);
    }

    private void OnLine(byte[] line)
    {
        switch (_lineMode)
        {
            case LineMode.Idle:
                EndIdle(line);
                return;
            case LineMode.SaslResponse:
                OnSaslResponse(ImapContinuationLine.ParseSaslResponse(line));
                return;
            default:
                ApplyRead(_reader.OnLine(line));
                return;
        }
    }

    private void ApplyRead(ImapReadResult result)
    {
        switch (result)
        {
            case ImapReadResult.NeedLine:
                if (_state != ImapState.Logout) ReadCommand(_limits.MaxLineLength, CommandTimeout);
                break;
            case ImapReadResult.NeedLiteral literal:
                if (!literal.NonSynchronizing) Send(ImapResponse.ReadyForLiteral);
                IMessageSink sink;
                if (literal.IsAppendMessage)
                {
                    sink = StartAppendContent();
                }
                else
                {
                    sink = _literalSink = new MemorySink();
                }
                Connection.Post(new ReadExactly(sink, literal.Size, literal.Size, CommandTimeout) { Pace = _limits.Deadlines.Pace });
                break;
            case ImapReadResult.DiscardLiteral discard:
                _discardingLiteral = true;
                Connection.Post(new ReadExactly(DiscardingSink.Instance, discard.Size, 0, CommandTimeout) { Pace = _limits.Deadlines.Pace });
                break;
            case ImapReadResult.Error error:
                AbortAppendWriter();
                Send(error.Response);
                NextCommand();
                break;
            case ImapReadResult.Fatal fatal:
                AbortAppendWriter();
                Log.Warning("imap session={0} client={1} literal too large before login: connection closed", SessionId, Connection.RemoteEndPoint);
                Send(fatal.Response);
                if (_state != ImapState.Logout) Bye("Too much data before login");
                break;
            case ImapReadResult.Complete complete:
                Execute(complete.Command);
                break;
        }
    }

    private void OnLiteralRead(DataCompleted m)
    {
        InputArrived();
        if (_discardingLiteral)
        {
            _discardingLiteral = false;
            ApplyRead(_reader.OnLiteralDiscarded());
        }
        else if (_literalSink is { } sink)
        {
            _literalSink = null;
            ApplyRead(_reader.OnLiteral(sink.ToArray()));
        }
        else
        {
            ApplyRead(_reader.OnLiteralConsumed());
        }
    }

    private void AbortAppendWriter()
    {
        foreach (var part in _appendParts)
            if (part.Writer is not null) Services.Content.Abort(part.Writer);
        _appendParts.Clear();
    }

    // ---- dispatch ----

    private void Execute(ImapCommand command)
    {
        _running = command;
        if (ImapStateRules.Check(command, _state, _tlsActive, _options, _selected?.ReadOnly ?? false) is { } rejection)
        {
            AbortAppendWriter();
            // Held updates go before the tagged rejection: after it, no command is in progress.
            FlushUpdates(command);
            Send(rejection);
            _running = null;
            NextCommand();
            return;
        }
        switch (command)
        {
            case ImapCommand.Capability:
                Send(new ImapResponse.Capability(Capabilities));
                Complete(ImapStatus.Ok, null, "CAPABILITY completed");
                break;
            case ImapCommand.Noop or ImapCommand.Check:
                Complete(ImapStatus.Ok, null, command.Name + " completed");
                break;
            case ImapCommand.Logout:
                Send(new ImapResponse.StatusResponse(null, ImapStatus.Bye, null, "Logging out"));
                SendTagged(ImapStatus.Ok, null, "LOGOUT completed");
                _running = null;
                _state = ImapState.Logout;
                Connection.Post(CloseConnection.Instance);
                break;
            case ImapCommand.StartTls:
                SendTagged(ImapStatus.Ok, null, "Begin TLS negotiation now");
                _running = null;
                UpgradeToTls();
                break;
            case ImapCommand.Login login:
                VerifyCredentials(login.UserName, login.Password);
                break;
            case ImapCommand.Authenticate auth:
                StartAuthenticate(auth);
                break;
            case ImapCommand.Id:
                Send(new ImapResponse.Id([new("name", "ActorMTA")]));
                Complete(ImapStatus.Ok, null, "ID completed");
                break;
            case ImapCommand.Namespace:
                Send(new ImapResponse.Namespace([new ImapNamespace("", MailboxFolders.Delimiter)], null, null));
                Complete(ImapStatus.Ok, null, "NAMESPACE completed");
                break;
            case ImapCommand.Enable enable:
                Enable(enable);
                break;
            case ImapCommand.Idle:
                StartIdle();
                break;
            case ImapCommand.Compress compress:
                Compress(compress);
                break;
            default:
                if (!ExecuteMailboxCommand(command) && !ExecuteMessageCommand(command) && !ExecuteSearchCommand(command))
                    Complete(ImapStatus.Bad, null, "Command not implemented");
                break;
        }
    }

    /// <summary>Ends the running command: pending untagged updates, the tagged status, then the next command.</summary>
    /// <param name="then">Posted to the connection after the tagged status and before the next read.</param>
    private void Complete(ImapStatus status, ImapResponseCode? code, string text, Action? then = null)
    {
        var command = _running;
        if (command is not null) FlushUpdates(command);
        SendTagged(status, code, text);
        _running = null;
        then?.Invoke();
        NextCommand();
    }

    /// <summary>
    /// RFC 5161: UTF8=ACCEPT, CONDSTORE and QRESYNC can be enabled (QRESYNC implies CONDSTORE, RFC 7162 section 3.2.3); ENABLED names
    /// only what this command newly enabled, and unknown names are ignored.
    /// </summary>
    private void Enable(ImapCommand.Enable enable)
    {
        var enabled = new List<string>();
        foreach (var name in enable.Capabilities.Select(c => c.ToUpperInvariant()).Distinct())
        {
            if (name == "UTF8=ACCEPT" && !_utf8Accept)
            {
                _utf8Accept = true;
                enabled.Add(name);
            }
            if (name == "QRESYNC" && !_qresync)
            {
                _qresync = true;
                enabled.Add(name);
            }
            if (name is "CONDSTORE" or "QRESYNC" && !_condStore)
            {
                if (name == "CONDSTORE") enabled.Add(name);
                EnableCondStore();
            }
        }
        if (_selected is not null) _selected.ReportVanished = _qresync;
        Send(new ImapResponse.Enabled(enabled));
        Complete(ImapStatus.Ok, null, "ENABLE completed");
    }

    /// <summary>A CONDSTORE-enabling command (RFC 7162 section 3.1): from now on FETCH responses with FLAGS carry MODSEQ.</summary>
    private void EnableCondStore()
    {
        _condStore = true;
        if (_selected is not null) _selected.ReportModSeq = true;
    }

    /// <summary>RFC 4978: the tagged OK is the last plain byte; both directions are deflated from the next one.</summary>
    private void Compress(ImapCommand.Compress command)
    {
        if (_compressed)
        {
            Complete(ImapStatus.No, ImapResponseCode.CompressionActive, "DEFLATE active already");
            return;
        }
        if (command.Mechanism != "DEFLATE")
        {
            Complete(ImapStatus.Bad, null, "Unknown compression mechanism");
            return;
        }
        _compressed = true;
        Complete(ImapStatus.Ok, null, "DEFLATE active", then: () => Connection.Post(StartDeflate.Instance));
    }

    private void SendTagged(ImapStatus status, ImapResponseCode? code, string text) =>
        Send(new ImapResponse.StatusResponse(_running?.Tag, status, code, text));

    private void Send(ImapResponse response)
    {
        if (_state == ImapState.Logout) return;
        Connection.Post(new SendBytes(ImapResponseFormatter.Format(response)));
        // Every BAD counts, whoever found the command bad (reader, parser, state rules): a client sending garbage is
        // cut off after imap.max-bad-commands of them instead of getting thousands.
        if (response is ImapResponse.StatusResponse { Status: ImapStatus.Bad } && ++_badCommands >= _limits.MaxBadCommands)
        {
            Log.Warning("imap session={0} client={1} closed after {2} bad commands", SessionId, Connection.RemoteEndPoint, _badCommands);
            Bye("Too many invalid commands");
        }
    }

    private void Bye(string text)
    {
        Send(new ImapResponse.StatusResponse(null, ImapStatus.Bye, null, text));
        _state = ImapState.Logout;
        Connection.Post(CloseConnection.Instance);
    }

    // ---- AUTHENTICATE PLAIN ----

    private void StartAuthenticate(ImapCommand.Authenticate auth)
    {
        if (!string.Equals(auth.Mechanism, "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            Complete(ImapStatus.No, null, "Unsupported authentication mechanism");
            return;
        }
        if (auth.InitialResponse is { } initial)
        {
            OnSaslResponse(new ImapSaslResponse(false, initial == "=" ? "" : initial));
            return;
        }
        Send(new ImapResponse.Continuation(""));
        _lineMode = LineMode.SaslResponse;
        ReadCommand(_limits.MaxLineLength, CommandTimeout);
    }

    private void OnSaslResponse(ImapSaslResponse response)
    {
        _lineMode = LineMode.Command;
        if (response.Cancelled)
        {
            Complete(ImapStatus.Bad, null, "AUTHENTICATE cancelled");
            return;
        }
        if (!SaslDecoder.TryDecodePlain(response.Base64, out var credentials))
        {
            Complete(ImapStatus.Bad, null, "Invalid SASL PLAIN response");
            return;
        }
        VerifyCredentials(credentials.AuthenticationId, credentials.Password, credentials.AuthorizationId);
    }

    // ---- mailbox requests ----

    /// <summary>Sends a command to the user's Mailbox entity; <paramref name="onReply"/> gets its answer.</summary>
    private void AskMailbox(IMailboxCommand command, Action<object> onReply)
    {
        var correlation = ++_nextCorrelation;
        _pendingCorrelation = correlation;
        _onMailboxReply = onReply;
        _askedCommand = command;
        Services.MailboxRegion.Tell(command);
        Timers.StartSingleTimer("mailbox", new MailboxTimedOut(correlation), _mailboxTimeout);
    }

    private void OnMailboxReply(object reply)
    {
        if (_onMailboxReply is not { } handler)
        {
            // FolderUnselected after a connection-level unselect, or an answer that came after its timeout.
            return;
        }
        _onMailboxReply = null;
        _askedCommand = null;
        _pendingCorrelation = -1;
        Timers.Cancel("mailbox");
        handler(reply);
    }

    /// <summary>
    /// Writes the APPEND literal into the content store as it arrives. A failed write (disk full) is kept, not thrown:
    /// the rest of the literal is read and dropped, so the session stays in step and answers NO.
    /// </summary>
    private sealed class ContentWriterSink(ContentWriter writer) : IMessageSink
    {
        public IOException? Failure { get; private set; }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (Failure is not null) return;
            try
            {
                await writer.Stream.WriteAsync(data, cancellationToken);
            }
            catch (IOException e)
            {
                Failure = e;
            }
        }
    }
}
