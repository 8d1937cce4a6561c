using System.Net.Sockets;
using System.Text;
using ActorMTA.Protocol.Pop3;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// One POP3 connection. The pure <see cref="Pop3ServerEngine"/> decides the replies; this actor
/// authenticates, loads the maildrop from the Mailbox entity (wherever it lives in the cluster),
/// streams message content from the content store and commits deletions at QUIT.
/// </summary>
public sealed class Pop3Session : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record AuthChecked(bool Ok, string User);
    private sealed record AuthDelayOver(string User);
    private sealed record MailboxTimedOut(long Correlation);

    private readonly InboundServices _services;
    private readonly ListenerSettings _listener;
    private readonly Pop3Limits _limits;
    private readonly SocketConnection _connection;
    private readonly Pop3ServerEngine _engine;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _sessionId = QueueIds.New();
    private readonly TimeSpan _mailboxTimeout;
    private string? _user;
    private Dictionary<string, MailboxMessage> _byUid = new();
    private bool _greeted;
    private bool _waitingForCommand;
    private bool _shutdownRequested;
    private int _authFailures;
    private long _pendingCorrelation = -1;
    private long _nextCorrelation;

    public Pop3Session(InboundServices services, ListenerSettings listener, Socket socket)
    {
        _services = services;
        _listener = listener;
        _limits = services.Settings.Pop3;
        _mailboxTimeout = services.Settings.Smtp.AcceptTimeout;
        _connection = new SocketConnection(socket, Self);
        _engine = new Pop3ServerEngine(new Pop3ServerOptions(
            services.Settings.HostName,
            TlsAvailable: services.Certificate is not null && listener.Tls == TlsMode.StartTls,
            // On an implicit-TLS port the engine only starts after the handshake.
            TlsActive: listener.Tls == TlsMode.Implicit,
            _limits.AuthRequiresTls,
            _limits.MaxAuthFailures));

        Receive<LineReceived>(m => { _waitingForCommand = false; Apply(_engine.OnLine(m.Line)); });
        Receive<LineTooLong>(_ => { _waitingForCommand = false; Apply(_engine.OnLineTooLong()); });
        Receive<ReadTimedOut>(_ => { _waitingForCommand = false; Apply(_engine.OnTimeout()); });
        Receive<TlsEstablished>(_ => Apply(_listener.Tls == TlsMode.Implicit && !_greeted ? Greet() : _engine.OnTlsEstablished()));
        Receive<ConnectionClosed>(_ => Context.Stop(Self));
        Receive<ContentSent>(m =>
        {
            if (!m.Ok) _log.Warning("pop3 session={SessionId} user={User} message content missing during RETR", _sessionId, _user);
            Apply(_engine.OnMessageSent(m.Ok));
        });
        Receive<AuthChecked>(OnAuthChecked);
        Receive<AuthDelayOver>(_ => Apply(_engine.OnAuthResult(false, null)));
        Receive<Maildrop>(m =>
        {
            if (_pendingCorrelation < 0) return;
            _pendingCorrelation = -1;
            _byUid = m.Messages.ToDictionary(UidOf);
            Apply(_engine.OnAuthResult(true, m.Messages.Select(x => new Pop3Message(UidOf(x), x.Size)).ToList()));
        });
        Receive<MessagesExpunged>(m =>
        {
            if (m.CorrelationId != _pendingCorrelation) return;
            _pendingCorrelation = -1;
            _log.Info("pop3 session={SessionId} user={User} deleted {Count} messages", _sessionId, _user, m.Uids.Count);
            Apply(_engine.OnCommitted(true));
        });
        Receive<MailboxTimedOut>(m =>
        {
            if (m.Correlation != _pendingCorrelation) return;
            _pendingCorrelation = -1;
            _log.Error("pop3 session={SessionId} user={User} mailbox did not answer in {Timeout}", _sessionId, _user, _mailboxTimeout);
            Apply(_user is not null && _byUid.Count == 0 && !_committing ? _engine.OnAuthResult(false, null) : _engine.OnCommitted(false));
        });
        Receive<SessionShutdown>(_ =>
        {
            _shutdownRequested = true;
            if (_waitingForCommand) _connection.Interrupt(Encoding.ASCII.GetBytes("-ERR [SYS/TEMP] server shutting down\r\n"));
        });
    }

    private bool _committing;

    public static Props Props(InboundServices services, ListenerSettings listener, Socket socket) =>
        Akka.Actor.Props.Create(() => new Pop3Session(services, listener, socket));

    // UIDL values must survive sessions and never be reused: the queue id is unique, the uid makes it unique per copy.
    private static string UidOf(MailboxMessage m) => $"{m.Uid}.{m.MessageId}";

    protected override void PreStart()
    {
        _connection.Start();
        if (_listener.Tls == TlsMode.Implicit)
        {
            if (_services.Certificate is null) { _connection.Post(CloseConnection.Instance); return; }
            _connection.Post(new StartTls(_services.Certificate, _services.Settings.TlsHandshakeTimeout));
        }
        else Apply(Greet());
    }

    protected override void PostStop() => _connection.Abort();

    private Pop3Step Greet()
    {
        _greeted = true;
        return _engine.Start();
    }

    private void Apply(Pop3Step step)
    {
        if (step.Lines.Count > 0) _connection.Post(new SendBytes(step.ToBytes()));
        switch (step.Effect)
        {
            case null:
                if (_shutdownRequested)
                {
                    Apply(_engine.OnShutdown());
                    return;
                }
                _waitingForCommand = true;
                _connection.Post(new ReadLine(_limits.MaxLineLength, _limits.CommandTimeout));
                break;
            case Pop3Effect.Authenticate auth:
                var accounts = _services.Accounts;
                var user = auth.User;
                var password = auth.Password;
                Task.Run(() => new AuthChecked(accounts.Verify(user, password), user)).PipeTo(Self);
                break;
            case Pop3Effect.SendMessage send:
                var reference = _byUid[send.Uid].ContentRef;
                var content = _services.Content;
                _connection.Post(new SendDotStuffed(() => content.OpenRead(reference), send.TopLines));
                break;
            case Pop3Effect.Commit commit:
                _committing = true;
                var uids = commit.DeletedUids.Select(u => _byUid[u].Uid).ToList();
                if (uids.Count == 0)
                {
                    Apply(_engine.OnCommitted(true));
                    break;
                }
                AskMailbox(correlation => new ExpungeMessages(_user!, "INBOX", uids, correlation));
                break;
            case Pop3Effect.StartTls:
                if (_services.Certificate is null) { _connection.Post(CloseConnection.Instance); break; }
                _connection.Post(new Net.StartTls(_services.Certificate, _services.Settings.TlsHandshakeTimeout));
                break;
            case Pop3Effect.Close:
                _connection.Post(CloseConnection.Instance);
                break;
        }
    }

    private void OnAuthChecked(AuthChecked m)
    {
        if (m.Ok)
        {
            _user = m.User.ToLowerInvariant();
            _log.Info("pop3 session={SessionId} client={Client} logged in as {User}", _sessionId, _connection.RemoteEndPoint, _user);
            AskMailbox(_ => new GetMaildrop(_user));
            return;
        }
        _authFailures++;
        _log.Warning("pop3 session={SessionId} client={Client} authentication failed for {User} ({Failures} failures)", _sessionId, _connection.RemoteEndPoint, m.User, _authFailures);
        Timers.StartSingleTimer("auth-delay", new AuthDelayOver(m.User), _limits.AuthFailureDelay * _authFailures);
    }

    private void AskMailbox(Func<long, IMailboxCommand> command)
    {
        var correlation = ++_nextCorrelation;
        _pendingCorrelation = correlation;
        _services.MailboxRegion.Tell(command(correlation));
        Timers.StartSingleTimer("mailbox", new MailboxTimedOut(correlation), _mailboxTimeout);
    }
}
