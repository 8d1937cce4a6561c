using System.Net.Sockets;
using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using ActorMTA.Server.Queues;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// One SMTP connection. The pure <see cref="SmtpServerEngine"/> decides what to answer; this actor
/// carries out the engine's effects (recipient lookups, AUTH checks, spooling, durable acceptance)
/// and the <see cref="SocketConnection"/> moves the bytes.
/// </summary>
public sealed class SmtpSession : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record AuthChecked(bool Ok, string User);
    private sealed record AuthDelayOver(bool Ok, string User);
    private sealed record ContentCommitted(long Transaction, IReadOnlyList<string> References, long Size);
    private sealed record ContentFailed(long Transaction, string Reason);
    private sealed record AcceptTimedOut(long Transaction);

    /// <summary>Where one accepted message has to go: local mailboxes and remote domain queues.</summary>
    private sealed class Acceptance(long transaction, string queueId)
    {
        public long Transaction { get; } = transaction;
        public string QueueId { get; } = queueId;
        public HashSet<long> Pending { get; } = new();
        public List<object> Retractions { get; } = new();
    }

    private readonly InboundServices _services;
    private readonly ListenerSettings _listener;
    private readonly SmtpLimits _limits;
    private readonly SocketConnection _connection;
    private readonly SmtpServerEngine _engine;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _sessionId = QueueIds.New();
    private MessageSpooler? _spooler;
    private string? _queueId;
    private long _transaction;
    private long _nextCorrelation;
    private Acceptance? _acceptance;
    private bool _waitingForCommand;
    private bool _shutdownRequested;
    private int _authFailures;

    public SmtpSession(InboundServices services, ListenerSettings listener, Socket socket)
    {
        _services = services;
        _listener = listener;
        _limits = services.Settings.Smtp;
        _connection = new SocketConnection(socket, Self);
        var tlsPossible = services.Certificate is not null && listener.Tls != TlsMode.None;
        _engine = new SmtpServerEngine(new SmtpServerOptions(
            services.Settings.HostName,
            listener.Submission,
            TlsAvailable: tlsPossible && listener.Tls == TlsMode.StartTls,
            // On an implicit-TLS port the engine only starts after the handshake.
            TlsActive: listener.Tls == TlsMode.Implicit,
            _limits.AuthRequiresTls,
            _limits.MaxMessageSize,
            _limits.MaxRecipients,
            _limits.MaxAuthFailures,
            _limits.MaxCommands));

        Receive<LineReceived>(m => { _waitingForCommand = false; Apply(_engine.OnLine(m.Line)); });
        Receive<LineTooLong>(_ => { _waitingForCommand = false; Apply(_engine.OnLineTooLong()); });
        Receive<ReadTimedOut>(_ =>
        {
            _waitingForCommand = false;
            _log.Info("smtp session={SessionId} client={Client} idle timeout", _sessionId, _connection.RemoteEndPoint);
            AbortMessage();
            Apply(_engine.OnTimeout());
        });
        Receive<DataCompleted>(OnDataCompleted);
        Receive<TlsEstablished>(m =>
        {
            _log.Debug("smtp session={SessionId} tls={Protocol} cipher={Cipher}", _sessionId, m.Protocol, m.Cipher);
            Apply(_listener.Tls == TlsMode.Implicit && !_greeted ? Greet() : _engine.OnTlsEstablished());
        });
        Receive<ConnectionClosed>(m =>
        {
            if (_spooler is not null)
                _log.Info("smtp session={SessionId} queue-id={QueueId} client went away during data: message dropped", _sessionId, _queueId);
            AbortMessage();
            Context.Stop(Self);
        });
        Receive<AuthChecked>(OnAuthChecked);
        Receive<AuthDelayOver>(m => Apply(_engine.OnAuthResult(m.Ok, m.Ok ? m.User : null)));
        Receive<ContentCommitted>(OnContentCommitted);
        Receive<ContentFailed>(m =>
        {
            if (_acceptance?.Transaction != m.Transaction) return;
            _log.Error("smtp session={SessionId} queue-id={QueueId} content commit failed: {Reason}", _sessionId, _acceptance.QueueId, m.Reason);
            FailAcceptance();
        });
        Receive<MailboxDelivered>(m => Acknowledged(m.CorrelationId));
        Receive<DeliveryEnqueued>(m => Acknowledged(m.CorrelationId));
        Receive<AcceptTimedOut>(m =>
        {
            if (_acceptance?.Transaction != m.Transaction) return;
            _log.Error("smtp session={SessionId} queue-id={QueueId} persistence timed out after {Timeout}", _sessionId, _acceptance.QueueId, _limits.AcceptTimeout);
            FailAcceptance();
        });
        Receive<SessionShutdown>(_ =>
        {
            _shutdownRequested = true;
            if (_waitingForCommand) _connection.Interrupt(Encoding.ASCII.GetBytes("421 4.3.2 " + _services.Settings.HostName + " Service shutting down\r\n"));
        });
    }

    private bool _greeted;

    public static Props Props(InboundServices services, ListenerSettings listener, Socket socket) =>
        Akka.Actor.Props.Create(() => new SmtpSession(services, listener, socket));

    protected override void PreStart()
    {
        _connection.Start();
        _log.Debug("smtp session={SessionId} client={Client} listener={Listener}", _sessionId, _connection.RemoteEndPoint, _listener.Name);
        if (_listener.Tls == TlsMode.Implicit)
        {
            if (_services.Certificate is null) { _connection.Post(CloseConnection.Instance); return; }
            _connection.Post(new StartTls(_services.Certificate, _services.Settings.TlsHandshakeTimeout));
        }
        else Apply(Greet());
    }

    protected override void PostStop()
    {
        AbortMessage();
        _connection.Abort();
    }

    private SmtpStep Greet()
    {
        _greeted = true;
        return _engine.Start();
    }

    private void Apply(SmtpStep step)
    {
        if (step.Replies.Count > 0) _connection.Post(new SendBytes(step.ToBytes()));
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
            case SmtpEffect.CheckRecipient check:
                Apply(_engine.OnRecipientVerdict(Classify(check.Recipient)));
                break;
            case SmtpEffect.Authenticate auth:
                var accounts = _services.Accounts;
                var user = auth.User;
                var password = auth.Password;
                // PBKDF2 is slow on purpose: never on the actor thread.
                Task.Run(() => new AuthChecked(accounts.Verify(user, password), user)).PipeTo(Self);
                break;
            case SmtpEffect.BeginData:
                StartMessage();
                _connection.Post(new ReadDotTerminated(_spooler!, _limits.MaxMessageSize, _limits.DataTimeout));
                break;
            case SmtpEffect.BeginBdat chunk:
                if (_spooler is null) StartMessage();
                _connection.Post(new ReadExactly(_spooler!, chunk.Size, Math.Max(0, _limits.MaxMessageSize - _bdatBytes), _limits.DataTimeout));
                break;
            case SmtpEffect.SkipBdat skip:
                // The chunk is already on the wire (RFC 3030): read it to stay in step, then the engine refuses it.
                AbortMessage();
                _connection.Post(new ReadExactly(DiscardingSink.Instance, skip.Size, 0, _limits.DataTimeout));
                break;
            case SmtpEffect.CompleteMessage:
                BeginAcceptance();
                break;
            case SmtpEffect.StartTls:
                if (_services.Certificate is null) { _connection.Post(CloseConnection.Instance); break; }
                _connection.Post(new Net.StartTls(_services.Certificate, _services.Settings.TlsHandshakeTimeout));
                break;
            case SmtpEffect.Close:
                _connection.Post(CloseConnection.Instance);
                break;
        }
    }

    private long _bdatBytes;

    private RecipientVerdict Classify(SmtpPath recipient)
    {
        var accounts = _services.Accounts.Current;
        if (recipient.Domain is null) return RecipientVerdict.UnknownUser;
        if (accounts.IsLocalDomain(recipient.Domain))
            return accounts.UserExists(recipient.Address) ? RecipientVerdict.Accept : RecipientVerdict.UnknownUser;
        // Never an open relay: mail for other domains only from authenticated users.
        return _engine.AuthenticatedUser is not null ? RecipientVerdict.Accept : RecipientVerdict.RelayDenied;
    }

    private void OnAuthChecked(AuthChecked m)
    {
        if (m.Ok)
        {
            _log.Info("smtp session={SessionId} client={Client} authenticated as {User}", _sessionId, _connection.RemoteEndPoint, m.User);
            Apply(_engine.OnAuthResult(true, m.User));
            return;
        }
        _authFailures++;
        _log.Warning("smtp session={SessionId} client={Client} authentication failed for {User} ({Failures} failures)", _sessionId, _connection.RemoteEndPoint, m.User, _authFailures);
        // Each failure waits longer than the last: guessing passwords gets slower, not cheaper.
        Timers.StartSingleTimer("auth-delay", new AuthDelayOver(false, m.User), _limits.AuthFailureDelay * _authFailures);
    }

    private void StartMessage()
    {
        _queueId = QueueIds.New();
        _bdatBytes = 0;
        var now = DateTimeOffset.Now;
        var settings = _services.Settings;
        var writer = _services.Content.BeginWrite(_queueId);
        var recipients = _engine.Recipients;
        var received = TraceHeaders.Received(
            _engine.ClientHelo ?? "unknown",
            _connection.RemoteEndPoint.Address,
            settings.HostName,
            TraceHeaders.Protocol(_engine.IsExtended, _engine.TlsActive, _engine.AuthenticatedUser is not null, _engine.SmtpUtf8),
            _queueId,
            recipients.Count == 1 ? recipients[0].Address : null,
            now);
        _spooler = new MessageSpooler(
            writer,
            received,
            _listener.Submission ? TraceHeaders.MessageIdHeader(_queueId, settings.HostName) : null,
            _listener.Submission ? TraceHeaders.DateHeader(now) : null,
            _limits.MaxHeaderSize);
    }

    private void OnDataCompleted(DataCompleted m)
    {
        if (m.TooBig)
        {
            _log.Info("smtp session={SessionId} queue-id={QueueId} refused: {Bytes} bytes is over the size limit", _sessionId, _queueId, m.Bytes);
            AbortMessage();
            Apply(_engine.OnDataReceived(DataOutcome.TooBig));
            return;
        }
        _bdatBytes += m.Bytes;
        Apply(_engine.OnDataReceived(DataOutcome.Complete));
    }

    /// <summary>
    /// Durable acceptance: fsync the content (group commit), then persist one enqueue per mailbox
    /// and per remote domain, and only when every one is acknowledged answer 250.
    /// </summary>
    private void BeginAcceptance()
    {
        // From here the content store owns the file: a late failure is cleaned up where it happens.
        var spooler = _spooler!;
        _spooler = null;
        var local = new List<string>();
        var remote = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var accounts = _services.Accounts.Current;
        foreach (var rcpt in _engine.Recipients)
        {
            var address = rcpt.Address;
            if (rcpt.Domain is not null && accounts.IsLocalDomain(rcpt.Domain))
            {
                if (!local.Contains(address)) local.Add(address);
            }
            else if (rcpt.Domain is not null)
            {
                if (!remote.TryGetValue(rcpt.Domain, out var list)) remote[rcpt.Domain] = list = new List<string>();
                if (!list.Contains(address)) list.Add(address);
            }
        }
        var transaction = ++_transaction;
        var acceptance = new Acceptance(transaction, _queueId!);
        _acceptance = acceptance;
        Timers.StartSingleTimer("accept", new AcceptTimedOut(transaction), _limits.AcceptTimeout);
        _targets = (local, remote);
        var references = local.Count + remote.Count;
        var store = _services.Content;
        CompleteAndCommit(spooler, store, references)
            .PipeTo(Self,
                success: committed => new ContentCommitted(transaction, committed.References, committed.Size),
                failure: e => new ContentFailed(transaction, e.Message));
    }

    private (List<string> Local, Dictionary<string, List<string>> Remote) _targets;

    private static async Task<(IReadOnlyList<string> References, long Size)> CompleteAndCommit(MessageSpooler spooler, IContentStore store, int references)
    {
        try
        {
            await spooler.CompleteAsync(CancellationToken.None);
            var size = spooler.Writer.Length;
            return (await store.CommitAsync(spooler.Writer, references), size);
        }
        catch
        {
            store.Abort(spooler.Writer);
            throw;
        }
    }

    private void OnContentCommitted(ContentCommitted m)
    {
        if (_acceptance?.Transaction != m.Transaction)
        {
            // The transaction already failed (timeout): the bytes are not wanted any more.
            foreach (var r in m.References) _services.Content.Release(r);
            return;
        }
        var acceptance = _acceptance;
        var size = m.Size;
        var now = DateTimeOffset.UtcNow;
        var i = 0;
        foreach (var address in _targets.Local)
        {
            var correlation = ++_nextCorrelation;
            acceptance.Pending.Add(correlation);
            _services.MailboxRegion.Tell(new DeliverToMailbox(address, acceptance.QueueId, m.References[i++], size, now, correlation));
            acceptance.Retractions.Add(new RetractDelivery(address, acceptance.QueueId, correlation));
        }
        var reversePath = _engine.ReversePath?.Address ?? "";
        var partitions = Delivery.QueuePartitioner.Get(Context.System);
        foreach (var (domain, recipients) in _targets.Remote)
        {
            var correlation = ++_nextCorrelation;
            acceptance.Pending.Add(correlation);
            // A domain split into partitions (actormta.delivery.throttles) has its queue picked by the message id.
            var queueId = partitions.QueueIdFor(domain, acceptance.QueueId);
            _services.DomainQueueRegion.Tell(new EnqueueDelivery(queueId, acceptance.QueueId, m.References[i++], reversePath, recipients, size, now, correlation)
            {
                Traits = (_engine.Body == BodyType.EightBitMime ? ContentTraits.EightBitMime : ContentTraits.None)
                    | (_engine.SmtpUtf8 ? ContentTraits.SmtpUtf8 : ContentTraits.None),
            });
            acceptance.Retractions.Add(new RetractEnqueue(queueId, acceptance.QueueId, correlation));
        }
        if (acceptance.Pending.Count == 0) FinishAcceptance();
    }

    private void Acknowledged(long correlationId)
    {
        if (_acceptance is null || !_acceptance.Pending.Remove(correlationId)) return;
        if (_acceptance.Pending.Count == 0) FinishAcceptance();
    }

    private void FinishAcceptance()
    {
        var acceptance = _acceptance!;
        Timers.Cancel("accept");
        _acceptance = null;
        _log.Info("smtp session={SessionId} queue-id={QueueId} accepted from=<{From}> rcpts={Count} local={Local} remote-domains={Remote}",
            _sessionId, acceptance.QueueId, _engine.ReversePath?.Address ?? "", _engine.Recipients.Count, _targets.Local.Count, _targets.Remote.Count);
        _queueId = null;
        Apply(_engine.OnMessageAccepted(acceptance.QueueId));
    }

    /// <summary>Nothing half-delivered: every target that may have stored the message is told to take it back.</summary>
    private void FailAcceptance()
    {
        var acceptance = _acceptance!;
        Timers.Cancel("accept");
        _acceptance = null;
        foreach (var retraction in acceptance.Retractions)
        {
            if (retraction is RetractDelivery rd) _services.MailboxRegion.Tell(rd);
            else _services.DomainQueueRegion.Tell(retraction);
        }
        Apply(_engine.OnMessageFailed(new SmtpReply(451, "4.3.0", "Requested action aborted: local error in processing, try again later")));
    }

    private void AbortMessage()
    {
        if (_spooler is null) return;
        _services.Content.Abort(_spooler.Writer);
        _spooler = null;
    }
}
