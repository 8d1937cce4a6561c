using System.Net;
using System.Net.Sockets;
using ActorMTA.Protocol.Sasl;
using ActorMTA.Protocol.Text;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Net;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// What every client session (SMTP, POP3, IMAP) does the same way: owns its <see cref="SocketConnection"/>,
/// starts implicit TLS before greeting, upgrades on STARTTLS/STLS, checks passwords off the actor thread
/// with a delay that grows with each failure, and on server shutdown says goodbye at the next safe point.
/// The protocol itself stays in the subclass and its pure engine.
/// </summary>
public abstract class ProtocolSession : ReceiveActor, IWithTimers
{
    private sealed record CredentialsChecked(bool Ok, string User);
    private sealed record FailureDelayOver(string User);

    private const string AuthFailureDelayTimer = "auth-failure-delay";

    private bool _greeted;
    private bool _waitingForCommand;
    private string? _delayedFailureUser;

    /// <param name="client">The client named by a PROXY protocol header, or null for the socket's peer.</param>
    protected ProtocolSession(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null)
    {
        Services = services;
        Listener = listener;
        Connection = new SocketConnection(socket, Self, client);

        Receive<TlsEstablished>(m =>
        {
            Log.Debug("{0} session={1} tls={2} cipher={3}", Protocol, SessionId, m.Protocol, m.Cipher);
            if (Listener.Tls == TlsMode.Implicit && !_greeted) Greet();
            else OnTlsUpgraded();
        });
        Receive<ConnectionClosed>(m =>
        {
            if (m.Reason.StartsWith("internal error", StringComparison.Ordinal))
                Log.Error("{0} session={1} connection closed by a fault: {2}", Protocol, SessionId, m.Reason);
            OnConnectionClosed(m.Reason);
            Context.Stop(Self);
        });
        Receive<SessionShutdown>(m =>
        {
            ShutdownRequested = true;
            // Waiting for the client is the safe point: interrupt the read and say goodbye now. Otherwise the
            // current exchange finishes first, unless the shutdown grace is over.
            if (_waitingForCommand || m.Immediately) Connection.Interrupt(ShutdownFarewell);
            // A failed login waiting out its delay (up to many seconds) is as good as idle: answer it now.
            if (_delayedFailureUser is { } user && Timers.IsTimerActive(AuthFailureDelayTimer))
            {
                Timers.Cancel(AuthFailureDelayTimer);
                Self.Tell(new FailureDelayOver(user));
            }
        });
        Receive<CredentialsChecked>(m =>
        {
            if (m.Ok)
            {
                Log.Info("{0} session={1} client={2} authenticated as {3}", Protocol, SessionId, Connection.RemoteEndPoint, LogSafe.Text(m.User));
                OnAuthenticated(m.User);
                return;
            }
            // Counted per client address, not per connection: each failure waits longer than the last,
            // and reconnecting does not start the count again.
            var failures = LoginFailures.Get(Context.System).RecordFailure(Connection.RemoteEndPoint.Address, DateTimeOffset.UtcNow);
            Log.Warning("{0} session={1} client={2} authentication failed for {3} ({4} recent failures from this address)", Protocol, SessionId, Connection.RemoteEndPoint, LogSafe.Text(m.User), failures);
            _delayedFailureUser = m.User;
            Timers.StartSingleTimer(AuthFailureDelayTimer, new FailureDelayOver(m.User), AuthFailureDelay * failures);
        });
        Receive<FailureDelayOver>(m =>
        {
            _delayedFailureUser = null;
            OnAuthenticationFailed(m.User);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected InboundServices Services { get; }
    protected ListenerSettings Listener { get; }
    protected SocketConnection Connection { get; }
    protected ILoggingAdapter Log { get; } = Context.GetLogger();
    protected string SessionId { get; } = QueueIds.New();
    protected bool ShutdownRequested { get; private set; }

    /// <summary>"smtp", "pop3", "imap": for log lines.</summary>
    protected abstract string Protocol { get; }
    protected abstract TimeSpan AuthFailureDelay { get; }
    /// <summary>The line sent when the server stops while the client is idle (421 / -ERR / * BYE).</summary>
    protected abstract ReadOnlyMemory<byte> ShutdownFarewell { get; }

    /// <summary>Send the greeting and go on (the connection is already TLS on an implicit-TLS port).</summary>
    protected abstract void OnGreeting();
    protected abstract void OnTlsUpgraded();
    protected abstract void OnAuthenticated(string user);
    protected abstract void OnAuthenticationFailed(string user);
    protected virtual void OnConnectionClosed(string reason) { }

    /// <summary>On an implicit-TLS listener (or one configured with TLS but without a certificate) TLS is already active.</summary>
    protected bool TlsActiveAtStart => Listener.Tls == TlsMode.Implicit;

    protected bool StartTlsAvailable => Services.Certificate is not null && Listener.Tls == TlsMode.StartTls;

    protected override void PreStart()
    {
        Observability.MtaMetrics.SessionOpened(Protocol);
        Connection.Start();
        if (Listener.Tls != TlsMode.Implicit)
        {
            Greet();
            return;
        }
        if (Services.Certificate is null) Connection.Post(CloseConnection.Instance);
        else Connection.Post(new StartTls(Services.Certificate, Services.Settings.TlsHandshakeTimeout));
    }

    protected override void PostStop()
    {
        Observability.MtaMetrics.SessionClosed(Protocol);
        Connection.Abort();
    }

    private void Greet()
    {
        _greeted = true;
        OnGreeting();
    }

    /// <summary>Wait for the next command line.</summary>
    protected void ReadCommand(int maxLength, TimeSpan timeout)
    {
        _waitingForCommand = true;
        Connection.Post(new ReadLine(maxLength, timeout));
    }

    /// <summary>Call on every input event: the session is no longer idle.</summary>
    protected void InputArrived() => _waitingForCommand = false;

    protected void UpgradeToTls()
    {
        if (Services.Certificate is null) Connection.Post(CloseConnection.Instance);
        else Connection.Post(new StartTls(Services.Certificate, Services.Settings.TlsHandshakeTimeout));
    }

    /// <summary>
    /// PBKDF2 is slow on purpose: never on the actor thread. Answers through OnAuthenticated / OnAuthenticationFailed.
    /// A SASL authorization identity that <see cref="SaslAuthorization"/> does not permit fails like a wrong
    /// password (the password is still checked, so both take the same time).
    /// </summary>
    protected void VerifyCredentials(string user, string password, string authorizationId = "")
    {
        var accounts = Services.Accounts;
        var permitted = SaslAuthorization.Permits(authorizationId, user);
        accounts.VerifyAsync(user, password).PipeTo(Self, success: ok => new CredentialsChecked(ok && permitted, user));
    }
}
