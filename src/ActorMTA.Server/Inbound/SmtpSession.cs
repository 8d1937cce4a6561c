using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Text;
using ActorMTA.Server.Checks;
using ActorMTA.Server.Checks.Spf;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Routing;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// One SMTP connection. The pure <see cref="SmtpServerEngine"/> decides what to answer; this actor
/// carries out the engine's effects (recipient lookups, AUTH checks, spooling, durable acceptance)
/// and the <see cref="SocketConnection"/> moves the bytes.
/// </summary>
public sealed class SmtpSession : ProtocolSession
{
    private sealed record ContentCommitted(long Transaction, IReadOnlyList<string> References, long Size, SpamVerdict? Verdict);
    /// <summary>The checks refused the message at the end of data: nothing was stored.</summary>
    private sealed record ContentRefused(long Transaction, SpamVerdict Verdict);
    /// <summary>What the connection stage and greylisting say of one recipient that the router accepted.</summary>
    private sealed record RecipientScreened(SmtpPath Recipient, RecipientVerdict Routed, SmtpReply? Refusal);
    /// <summary>The greeting delay is over: greet, unless the client already talked.</summary>
    private sealed record GreetingDue;
    private sealed record ContentFailed(long Transaction, string Reason);
    private sealed record AcceptTimedOut(long Transaction);
    private sealed record SuccessDsnDone(string QueueId, string Outcome);
    /// <summary>A step held back by the error delay (past the soft error limit), due now.</summary>
    private sealed record DelayedStepDue(SmtpStep Step);
    /// <summary>
    /// A report (bounce or complaint) read off the actor thread: its events, or none when nothing could be read; then
    /// <paramref name="Reference"/> is the content reference still held for the postmaster's copy (null: released).
    /// </summary>
    private sealed record ReportRead(long Transaction, IReadOnlyList<DeliveryEvent> Events, string? Reference, string? Error) : INoSerializationVerificationNeeded;

    /// <summary>Where one accepted message has to go: local mailboxes and remote domain queues.</summary>
    private sealed class Acceptance(long transaction, string queueId)
    {
        public long Transaction { get; } = transaction;
        public string QueueId { get; } = queueId;
        public HashSet<long> Pending { get; } = new();
        public List<object> Retractions { get; } = new();

        /// <summary>An extra content reference the "delivered" DSN reads the original headers from; released after.</summary>
        public string? SuccessDsnReference { get; set; }

        /// <summary>The egress pool of the remote recipients' copies; null: the default pool.</summary>
        public string? Pool { get; init; }

        /// <summary>The message's Message-ID, for the delivery events of its queued copies.</summary>
        public MessageTags Tags { get; init; } = MessageTags.None;

        /// <summary>The report addresses among the recipients (VERP return paths, feedback loops): the message is read as a report.</summary>
        public IReadOnlyList<ReportAddress> Reports { get; init; } = [];

        /// <summary>The pending entry that the report's events (or its postmaster copy) stand for.</summary>
        public long ReportCorrelation { get; set; }

        /// <summary>The checks' verdict (" checks: ..."), logged with the outcome; empty when no checks ran.</summary>
        public string Checks { get; set; } = "";

        /// <summary>The event-log producer whose confirmation acknowledges the report; null until its events are sent.</summary>
        public (string Producer, long UpTo)? ReportEvents { get; set; }

        public long Size { get; set; }
    }

    private readonly SmtpLimits _limits;
    private readonly SmtpServerEngine _engine;
    private readonly byte[] _farewell;
    private MessageSpooler? _spooler;
    // The message being read could not even be started in the spool: its content is read and dropped.
    private IOException? _spoolFailure;
    private string? _queueId;
    private long _transaction;
    private long _nextCorrelation;
    private long _bdatBytes;
    // The content being read ends the message (DATA, or BDAT ... LAST): the end-of-data checks apply.
    private bool _readingLastContent;
    // NOTIFY=/ORCPT= of the recipients of the message being accepted that gave any, by address.
    private Dictionary<string, DsnRecipientParameters> _recipientDsn = new(StringComparer.Ordinal);
    private Acceptance? _acceptance;
    private (List<string> Local, Dictionary<string, List<string>> Remote) _targets;
    // The RCPT addresses behind each local mailbox of the message, for its delivery events (null while the node writes none).
    private Dictionary<string, List<string>>? _recipientsByMailbox;
    private string? _clientIp;
    private List<(string Address, DsnRecipientParameters Dsn)> _successDsn = [];
    // Octets of the Return-Path: line at the start of the spooled message: a stamp of header fields goes after it.
    private int _returnPathLength;
    // The connection stage (DNS lists, reverse DNS), started at accept time when the checks screen this listener.
    private Task<ConnectionAssessment>? _connectionAssessment;
    // SPF of the current transaction's sender and HELO name, started at its first screened RCPT.
    private Task<SpfOutcome?>? _spf;
    private (string Sender, string Helo) _spfFor;
    // The last command line, for the log line when the client's errors end the session.
    private byte[]? _lastLine;

    public SmtpSession(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) : base(services, listener, socket, client)
    {
        _limits = services.Settings.Smtp;
        _farewell = Encoding.ASCII.GetBytes("421 4.3.2 " + services.Settings.HostName + " Service shutting down\r\n");
        _engine = new SmtpServerEngine(new SmtpServerOptions(
            services.Settings.HostName,
            listener.Submission,
            StartTlsAvailable,
            TlsActiveAtStart,
            _limits.AuthRequiresTls,
            _limits.MaxMessageSize,
            _limits.MaxRecipients,
            _limits.MaxAuthFailures,
            _limits.MaxCommands)
        {
            SoftErrorLimit = _limits.SoftErrorLimit,
            HardErrorLimit = _limits.HardErrorLimit,
        });

        Receive<LineReceived>(m =>
        {
            InputArrived();
            _lastLine = m.Line;
            Apply(OnLine(m.Line));
        });
        Receive<RecipientQuotaChecked>(m => Apply(RecipientDecided(m.Verdict)));
        Receive<RecipientScreened>(m =>
        {
            if (m.Refusal is { } refusal) Apply(RecipientDecided(RecipientVerdict.Reject(refusal)));
            else CheckQuota(m.Recipient, m.Routed);
        });
        Receive<GreetingDue>(_ => GreetUnlessEarlyTalker());
        Receive<ContentRefused>(OnContentRefused);
        Receive<LineTooLong>(_ => { InputArrived(); _lastLine = null; Apply(_engine.OnLineTooLong()); });
        Receive<ReadTimedOut>(_ =>
        {
            InputArrived();
            Log.Info("smtp session={0} client={1} timeout: {2} not complete in time", SessionId, Connection.RemoteEndPoint,
                _spooler is null ? "command" : "message data");
            AbortMessage();
            Apply(_engine.OnTimeout());
        });
        Receive<DelayedStepDue>(m => Apply(m.Step));
        Receive<DataCompleted>(OnDataCompleted);
        Receive<ContentCommitted>(OnContentCommitted);
        Receive<ContentFailed>(m =>
        {
            if (_acceptance?.Transaction != m.Transaction) return;
            Log.Error("smtp session={0} queue-id={1} content commit failed: {2}", SessionId, _acceptance.QueueId, m.Reason);
            FailAcceptance(SmtpServerEngine.InsufficientStorage);
        });
        Receive<JournalWriteFailed>(m =>
        {
            var (correlation, reference) = m.Command switch
            {
                DeliverToMailbox d => (d.CorrelationId, d.ContentRef),
                EnqueueDelivery e => (e.CorrelationId, e.ContentRef),
                _ => (-1L, null),
            };
            if (_acceptance is null || reference is null || !_acceptance.Pending.Contains(correlation)) return;
            Log.Error("smtp session={0} queue-id={1} journal write failed: {2}", SessionId, _acceptance.QueueId, m.Reason);
            // That entity stored nothing, so its content reference is nobody's (the others are released by their retraction).
            ReleaseLater(reference);
            FailAcceptance(SmtpServerEngine.InsufficientStorage);
        });
        Receive<ReportRead>(OnReportRead);
        Receive<EventsWritten>(m =>
        {
            if (_acceptance is { ReportEvents: { } written } acceptance && written.Producer == m.Producer && m.UpTo >= written.UpTo)
                Acknowledged(acceptance.ReportCorrelation);
        });
        Receive<MailboxDelivered>(m => Acknowledged(m.CorrelationId));
        Receive<DeliveryEnqueued>(m => Acknowledged(m.CorrelationId));
        Receive<SuccessDsnDone>(m => Log.Info("smtp session={0} queue-id={1} success DSN {2}", SessionId, m.QueueId, m.Outcome));
        Receive<AcceptTimedOut>(m =>
        {
            if (_acceptance?.Transaction != m.Transaction) return;
            Log.Error("smtp session={0} queue-id={1} persistence timed out after {2}", SessionId, _acceptance.QueueId, _limits.AcceptTimeout);
            FailAcceptance(AcceptFailed);
        });
    }

    public static Props Props(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) =>
        Akka.Actor.Props.Create(() => new SmtpSession(services, listener, socket, client));

    protected override string Protocol => "smtp";
    protected override TimeSpan AuthFailureDelay => _limits.AuthFailureDelay;
    protected override ReadOnlyMemory<byte> ShutdownFarewell => _farewell;

    protected override void OnGreeting()
    {
        if (Services.Checks is { } checks && ScreensListener)
        {
            _connectionAssessment = checks.AssessConnectionAsync(Connection.RemoteEndPoint.Address, CancellationToken.None);
            if (checks.Settings.GreetingDelay > TimeSpan.Zero)
            {
                // postscreen's pregreet test: a real MTA waits for the 220; a spam bot often starts talking at once.
                Timers.StartSingleTimer("greeting", new GreetingDue(), checks.Settings.GreetingDelay);
                return;
            }
        }
        Apply(_engine.Start());
    }

    private static readonly SmtpReply EarlyTalkerGreeting = new(554, "5.7.1", "Protocol error: talking before the greeting");

    private void GreetUnlessEarlyTalker()
    {
        var early = Connection.UnreadInput;
        if (early > 0)
        {
            Services.Checks!.Counters.Increment("early-talker");
            Log.Info("smtp session={0} client={1} refused: early talker ({2} bytes before the greeting)", SessionId, Connection.RemoteEndPoint, early);
            // RFC 5321 section 3.1: a 554 greeting, then 503 to everything but QUIT. No command of this client is carried out.
            Apply(_engine.StartRefused(EarlyTalkerGreeting));
            return;
        }
        Apply(_engine.Start());
    }

    /// <summary>The inbound checks are on for this listener: the port-25 role, not a submission port.</summary>
    private bool ScreensListener => Services.Checks is { Settings.Enabled: true } && !Listener.Submission;

    /// <summary>The checks screen the current client: not authenticated, not from smtp.relay-networks.</summary>
    private bool ScreensClient => ScreensListener && _engine.AuthenticatedUser is null && !_limits.MayRelay(Connection.RemoteEndPoint.Address);

    protected override void OnTlsUpgraded() => Apply(_engine.OnTlsEstablished());

    protected override void OnAuthenticated(string user) => Apply(_engine.OnAuthResult(true, user));

    protected override void OnAuthenticationFailed(string user) => Apply(_engine.OnAuthResult(false, null));

    protected override void OnConnectionClosed(string reason)
    {
        if (_spooler is not null)
            Log.Info("smtp session={0} queue-id={1} client went away during data ({2}): message dropped", SessionId, _queueId, reason);
        AbortMessage();
    }

    protected override void PostStop()
    {
        AbortMessage();
        if (_acceptance?.SuccessDsnReference is { } reference) Services.Content.Release(reference);
        base.PostStop();
    }

    private bool UnderStress => Services.SmtpConnections.UnderStress;

    private TimeSpan CommandTimeout => _limits.Deadlines.CommandTimeout(_limits.CommandTimeout, UnderStress);

    private TimeSpan DataTimeout => _limits.Deadlines.DataTimeout(_limits.DataTimeout, UnderStress);

    // The RCPT being decided: the engine asks about one recipient at a time.
    private SmtpPath? _checkingRecipient;

    /// <summary>The engine's answer to a RCPT verdict; a refused recipient is written as a Rejection event.</summary>
    private SmtpStep RecipientDecided(RecipientVerdict verdict)
    {
        if (!verdict.IsAccepted && verdict.Rejection is { } reply && _checkingRecipient is { } recipient)
            Services.Events?.Rejected("smtp", Connection.RemoteEndPoint.Address.ToString(), _engine.ReversePath?.Address, recipient.Address, reply);
        return _engine.OnRecipientVerdict(verdict);
    }

    /// <summary>A message refused at the end of its data: a Rejection event for each of its recipients, with the reply.</summary>
    private SmtpStep MessageRefused(Func<SmtpStep> refuse)
    {
        var recipients = _engine.Recipients.Select(r => r.Address).ToArray();
        var sender = _engine.ReversePath?.Address;
        var step = refuse();
        if (Services.Events is { } events && step.Replies.Count > 0 && step.Replies[^1] is { Code: >= 400 } reply)
            foreach (var recipient in recipients)
                events.Rejected("smtp", Connection.RemoteEndPoint.Address.ToString(), sender, recipient, reply, _spooler?.MessageId);
        return step;
    }

    private void Apply(SmtpStep step)
    {
        if (step.Delayed)
        {
            // Past the soft error limit: the reply waits, and so does the next read. A timer, not a sleep: the actor
            // stays free for shutdown and its other messages meanwhile.
            Timers.StartSingleTimer("error-delay", new DelayedStepDue(step with { Delayed = false }), _limits.ErrorDelay);
            return;
        }
        if (step.Replies.Count > 0) Connection.Post(new SendBytes(step.ToBytes()));
        if (step.Closes && _engine.ErrorCount >= _limits.HardErrorLimit)
            Log.Warning("smtp session={0} client={1} closed after {2} errors, last command: {3}", SessionId, Connection.RemoteEndPoint,
                _engine.ErrorCount, _lastLine is null ? "(line too long)" : LogSafe.Bytes(_lastLine));
        switch (step.Effect)
        {
            case null:
                if (ShutdownRequested) Apply(_engine.OnShutdown());
                else ReadCommand(_limits.MaxLineLength, CommandTimeout);
                break;
            case SmtpEffect.CheckRecipient check:
                _checkingRecipient = check.Recipient;
                CheckRecipient(check.Recipient);
                break;
            case SmtpEffect.Authenticate auth:
                VerifyCredentials(auth.User, auth.Password, auth.AuthorizationId);
                break;
            case SmtpEffect.BeginData:
                StartMessage();
                _readingLastContent = true;
                Connection.Post(new ReadDotTerminated(ContentSink, _limits.MaxMessageSize, DataTimeout) { Pace = _limits.Deadlines.Pace });
                break;
            case SmtpEffect.BeginBdat chunk:
                if (_spooler is null && _spoolFailure is null) StartMessage();
                _readingLastContent = chunk.Last;
                Connection.Post(new ReadExactly(ContentSink, chunk.Size, Math.Max(0, _limits.MaxMessageSize - _bdatBytes), DataTimeout)
                {
                    Pace = _limits.Deadlines.Pace,
                });
                break;
            case SmtpEffect.SkipBdat skip:
                // The chunk is already on the wire (RFC 3030): read it to stay in step, then the engine refuses it.
                AbortMessage();
                Connection.Post(new ReadExactly(DiscardingSink.Instance, skip.Size, 0, DataTimeout) { Pace = _limits.Deadlines.Pace });
                break;
            case SmtpEffect.CompleteMessage:
                BeginAcceptance();
                break;
            case SmtpEffect.StartTls:
                UpgradeToTls();
                break;
            case SmtpEffect.Close:
                Connection.Post(CloseConnection.Instance);
                break;
        }
    }

    private SmtpStep OnLine(byte[] line)
    {
        // A cached sample, no I/O: MAIL FROM refuses with 452 4.3.1 while the spool is below its minimum free space.
        _engine.StorageHeadroom = Services.Space.Headroom;
        return _engine.OnLine(line);
    }

    private sealed record RecipientQuotaChecked(RecipientVerdict Verdict);

    private static readonly RecipientVerdict MailboxFull = RecipientVerdict.Reject(new SmtpReply(452, "4.2.2", "Mailbox full, try again later"));
    private static readonly RecipientVerdict OverWholeQuota = RecipientVerdict.Reject(new SmtpReply(552, "5.2.2", "Message is larger than the mailbox quota"));

    /// <summary>
    /// RCPT: the address, then the storage quota of the mailboxes it leads to (when any has one): a full mailbox
    /// gets 452 4.2.2, a declared SIZE larger than the whole quota 552 5.2.2. Asked of the mailbox entity, off
    /// the actor thread; what is acknowledged later is delivered even if it then goes over.
    /// </summary>
    private void CheckRecipient(SmtpPath recipient)
    {
        var verdict = Classify(recipient);
        if (verdict.IsAccepted && ScreensClient)
        {
            Screen(recipient, verdict);
            return;
        }
        CheckQuota(recipient, verdict);
    }

    /// <summary>
    /// A recipient of a screened client: refused at RCPT (554 5.7.1) when the connection stage alone reaches the reject
    /// score, as Postfix's reject_rbl_client does; greylisted (451 4.7.1) when greylisting is on and the triplet is new.
    /// SPF of the transaction starts with its first recipient, so it runs while the client sends the rest.
    /// </summary>
    private void Screen(SmtpPath recipient, RecipientVerdict routed)
    {
        var checks = Services.Checks!;
        var client = Connection.RemoteEndPoint.Address;
        var sender = _engine.ReversePath?.Address ?? "";
        var helo = _engine.ClientHelo ?? "";
        if (_spf is null || _spfFor != (sender, helo))
        {
            _spf = checks.CheckSpfAsync(client, sender, helo, CancellationToken.None);
            _spfFor = (sender, helo);
        }
        var assessment = _connectionAssessment ?? Task.FromResult(ConnectionAssessment.Skipped(client));
        var greylist = Services.Greylist;
        var timeout = _limits.AcceptTimeout;
        ScreenAsync(checks, assessment, greylist, client, sender, recipient.Address, timeout)
            .PipeTo(Self,
                success: refusal => new RecipientScreened(recipient, routed, refusal),
                failure: _ => new RecipientScreened(recipient, routed, null));
    }

    private static async Task<SmtpReply?> ScreenAsync(InboundChecks checks, Task<ConnectionAssessment> assessment, GreylistClient? greylist,
        System.Net.IPAddress client, string sender, string recipient, TimeSpan timeout)
    {
        var connection = await assessment.ConfigureAwait(false);
        if (connection.Score >= checks.Settings.RejectScore)
        {
            checks.Counters.Increment("connection.reject");
            var zones = connection.BlockingZones;
            return new SmtpReply(554, "5.7.1", zones.Length > 0
                ? $"Service unavailable; client [{client}] blocked using {zones}"
                : $"Service unavailable; client [{client}] has a poor reputation");
        }
        if (greylist is null) return null;
        var verdict = await greylist.CheckAsync(client, sender, recipient, timeout).ConfigureAwait(false);
        if (verdict.Outcome != GreylistOutcome.Defer) return null;
        checks.Counters.Increment("greylist.defer");
        return new SmtpReply(451, "4.7.1", $"Greylisted, please try again in {Math.Max(1, (int)Math.Ceiling(verdict.RetryAfter.TotalSeconds))} seconds");
    }

    private void CheckQuota(SmtpPath recipient, RecipientVerdict verdict)
    {
        var quota = Services.Quota;
        if (!verdict.IsAccepted || quota.IsUnlimited)
        {
            Apply(RecipientDecided(verdict));
            return;
        }
        var limited = Services.Router.Plan([recipient]).Mailboxes.Where(m => quota.LimitFor(m) is not null).ToList();
        var declared = _engine.DeclaredSize ?? 0;
        if (limited.Count == 0 || limited.Any(m => declared > quota.LimitFor(m)))
        {
            Apply(RecipientDecided(limited.Count == 0 ? verdict : OverWholeQuota));
            return;
        }
        var region = Services.MailboxRegion;
        var timeout = _limits.AcceptTimeout;
        Task.WhenAll(limited.Select(m => region.Ask<QuotaStatus>(new GetQuota(m), timeout)))
            .PipeTo(Self,
                success: all => new RecipientQuotaChecked(all.Any(q => q.LimitBytes is { } limit && (q.UsedBytes >= limit || q.UsedBytes + declared > limit))
                    ? MailboxFull : verdict),
                failure: _ => new RecipientQuotaChecked(RecipientVerdict.TemporaryFailure));
    }

    private RecipientVerdict Classify(SmtpPath recipient) =>
        Services.Router.Verdict(recipient, mayRelay: _engine.AuthenticatedUser is not null || _limits.MayRelay(Connection.RemoteEndPoint.Address));

    private IMessageSink ContentSink => (IMessageSink?)_spooler ?? DiscardingSink.Instance;

    private void StartMessage()
    {
        _queueId = QueueIds.New();
        _bdatBytes = 0;
        ContentWriter writer;
        try
        {
            writer = Services.Content.BeginWrite(_queueId);
        }
        catch (IOException e)
        {
            _spoolFailure = e;
            return;
        }
        var now = DateTimeOffset.Now;
        var settings = Services.Settings;
        var recipients = _engine.Recipients;
        var received = TraceHeaders.Received(
            _engine.ClientHelo ?? "unknown",
            Connection.RemoteEndPoint.Address,
            settings.HostName,
            TraceHeaders.Protocol(_engine.IsExtended, _engine.TlsActive, _engine.AuthenticatedUser is not null, _engine.SmtpUtf8),
            _queueId,
            recipients.Count == 1 ? recipients[0].Address : null,
            now);
        var returnPath = TraceHeaders.ReturnPath(_engine.ReversePath!);
        _returnPathLength = Encoding.UTF8.GetByteCount(returnPath);
        _spooler = new MessageSpooler(
            writer,
            returnPath + received,
            Listener.Submission ? TraceHeaders.MessageIdHeader(_queueId, settings.HostName) : null,
            Listener.Submission ? TraceHeaders.DateHeader(now) : null,
            _limits.MaxHeaderSize,
            // Kept in memory when the message is to be checked or signed and then stamped (ContentStamper), so
            // neither reads the file back.
            ScreensClient || Listener.Submission || _engine.AuthenticatedUser is not null ? ContentStamper.InPlaceLimit : 0);
    }

    private void OnDataCompleted(DataCompleted m)
    {
        if (m.TooBig)
        {
            Log.Info("smtp session={SessionId} queue-id={QueueId} refused: {Bytes} bytes is over the size limit", SessionId, _queueId, m.Bytes);
            AbortMessage();
            Apply(MessageRefused(() => _engine.OnDataReceived(DataOutcome.TooBig)));
            return;
        }
        _bdatBytes += m.Bytes;
        if ((_spoolFailure ?? _spooler?.StorageFailure) is { } failure)
        {
            // The rest of the content was read and dropped: the client is in step for its next command.
            Log.Error("smtp session={SessionId} queue-id={QueueId} refused: spool write failed: {Reason}", SessionId, _queueId, failure.Message);
            AbortMessage();
            Apply(MessageRefused(() => _engine.OnDataReceived(DataOutcome.InsufficientStorage)));
            return;
        }
        if (_readingLastContent && RefusalAtEndOfData() is { } refusal)
        {
            AbortMessage();
            Apply(MessageRefused(() => _engine.OnDataReceived(refusal)));
            return;
        }
        Apply(_engine.OnDataReceived(DataOutcome.Complete));
    }

    /// <summary>Checks of the whole content, for every chunk together (BDAT gets the same rules as DATA).</summary>
    private DataOutcome? RefusalAtEndOfData()
    {
        var spooler = _spooler!;
        if (spooler.HasBareLineEnd && _limits.BareNewlines == BareNewlinePolicy.Reject)
        {
            Log.Info("smtp session={SessionId} queue-id={QueueId} refused: bare CR or LF in content", SessionId, _queueId);
            return DataOutcome.BareLineEnd;
        }
        if (spooler.ReceivedFields > _limits.MaxHops)
        {
            Log.Info("smtp session={SessionId} queue-id={QueueId} refused: {Hops} Received: fields, limit {Limit}", SessionId, _queueId, spooler.ReceivedFields, _limits.MaxHops);
            return DataOutcome.TooManyHops;
        }
        return null;
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
        // Aliases are expanded here again: the accounts may have changed since RCPT.
        _recipientsByMailbox = Services.Events?.Log is null ? null : new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var (local, remote) = Services.Router.Plan(_engine.Recipients, _recipientsByMailbox);
        // Bounces and complaints sent to our report addresses: read at the end of data, never delivered as they are.
        var reports = _engine.Recipients.Select(Services.Router.ReportFor).OfType<ReportAddress>().ToList();
        _recipientDsn = RecipientDsnByAddress();
        var transaction = ++_transaction;
        var acceptance = new Acceptance(transaction, _queueId!)
        {
            Pool = remote.Count > 0 ? PoolOf(spooler) : null,
            Tags = spooler.MessageId is { } messageId ? new MessageTags(messageId, null, null) : MessageTags.None,
            Reports = reports,
        };
        _acceptance = acceptance;
        var screening = ScreensClient ? ScreeningRequest() : null;
        Timers.StartSingleTimer("accept", new AcceptTimedOut(transaction),
            _limits.AcceptTimeout + (screening is null ? TimeSpan.Zero : Services.Checks!.Settings.Timeout));
        _targets = (local, remote);
        // Local recipients that asked for NOTIFY=SUCCESS get a "delivered" report once the message is stored.
        _successDsn = _recipientDsn.Count == 0 || Services.Delivery is null || _engine.ReversePath is not { IsNull: false }
            ? []
            : local.Where(a => _recipientDsn.TryGetValue(a, out var dsn) && dsn.WantsSuccess).Select(a => (a, _recipientDsn[a])).ToList();
        var references = local.Count + remote.Count + (_successDsn.Count > 0 ? 1 : 0) + (reports.Count > 0 ? 1 : 0);
        var store = Services.Content;
        var stamp = new Stamp(
            screening is null ? null : Services.Checks,
            screening,
            screening is null ? null : _spf,
            _connectionAssessment,
            // Mail our own users send is signed before it is queued: a retry or a bounce never signs again.
            Listener.Submission || _engine.AuthenticatedUser is not null ? Services.Signer : null,
            _returnPathLength,
            _limits.MaxHeaderSize);
        CompleteAndCommit(spooler, store, references, stamp)
            .PipeTo(Self,
                success: outcome => outcome.Refused
                    ? new ContentRefused(transaction, outcome.Verdict!)
                    : new ContentCommitted(transaction, outcome.References, outcome.Size, outcome.Verdict),
                failure: e => new ContentFailed(transaction, e.Message));
    }

    /// <summary>The egress pool for the remote copies: the message's X-ActorMTA-Pool field, else the sender domain's rule.</summary>
    private string? PoolOf(MessageSpooler spooler)
    {
        if (Services.Delivery?.Egress is not { } egress || (spooler.PoolHeader is null && egress.SenderPools.Count == 0)) return null;
        var sender = _engine.ReversePath is { IsNull: false } path ? path.Domain : null;
        var choice = egress.SelectPool(null, spooler.PoolHeader, sender);
        Log.Info("smtp session={SessionId} queue-id={QueueId} pool {Pool}: {Reason}", SessionId, _queueId, choice.Pool.Name, choice.Reason);
        return choice.QueuedName;
    }

    private ContentCheckRequest ScreeningRequest() => new(
        _queueId!,
        SessionId,
        Connection.RemoteEndPoint.Address,
        _engine.ClientHelo ?? "",
        _engine.ReversePath?.Address ?? "",
        _engine.Recipients.Select(r => r.Address).ToArray(),
        ConnectionAssessment.Skipped(Connection.RemoteEndPoint.Address),
        null,
        0);

    /// <summary>What is added to a message between its last byte and its commit: the checks' verdict fields and a DKIM signature.</summary>
    private sealed record Stamp(InboundChecks? Checks, ContentCheckRequest? Request, Task<SpfOutcome?>? Spf, Task<ConnectionAssessment>? Connection,
        Checks.Signing.OutboundDkimSigner? Signer,
        int ReturnPathLength, int MaxHeaderSize);

    private sealed record CommitOutcome(bool Refused, IReadOnlyList<string> References, long Size, SpamVerdict? Verdict);

    private void OnContentRefused(ContentRefused m)
    {
        if (_acceptance?.Transaction != m.Transaction) return;
        var acceptance = _acceptance;
        Timers.Cancel("accept");
        _acceptance = null;
        _queueId = null;
        Log.Info("smtp session={SessionId} queue-id={QueueId} refused by checks: {Reply} {Summary}", SessionId, acceptance.QueueId, m.Verdict.Reply, m.Verdict.Summary);
        Apply(MessageRefused(() => _engine.OnMessageFailed(m.Verdict.Reply!)));
    }

    /// <summary>NOTIFY=/ORCPT= of the transaction's recipients that gave any, by address (the first RCPT of
    /// an address counts, as for the recipient itself).</summary>
    // A fresh map per message, never changed after: enqueue commands carry it.
    private Dictionary<string, DsnRecipientParameters> RecipientDsnByAddress()
    {
        var byAddress = new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal);
        var recipients = _engine.Recipients;
        for (var i = 0; i < recipients.Count; i++)
        {
            var dsn = i < _engine.RecipientDsn.Count ? _engine.RecipientDsn[i] : DsnRecipientParameters.None;
            if (!dsn.IsNone) byAddress.TryAdd(recipients[i].Address, dsn);
        }
        return byAddress;
    }

    private static async Task<CommitOutcome> CompleteAndCommit(MessageSpooler spooler, IContentStore store, int references, Stamp stamp)
    {
        var writer = spooler.Writer;
        try
        {
            await spooler.CompleteAsync(CancellationToken.None);
            var copy = spooler.Copy;
            Func<Stream> open = copy is { } bytes && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
                ? () => new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : writer.OpenWritten;
            SpamVerdict? verdict = null;
            var fields = "";
            if (stamp is { Checks: { } checks, Request: { } request })
            {
                var spf = stamp.Spf is null ? null : await stamp.Spf.ConfigureAwait(false);
                var connection = stamp.Connection is null ? request.Connection : await stamp.Connection.ConfigureAwait(false);
                verdict = await checks.AssessContentAsync(request with { Spf = spf, Connection = connection, Size = spooler.Length }, open, CancellationToken.None)
                    .ConfigureAwait(false);
                if (verdict.Action is SpamAction.Reject or SpamAction.TempFail)
                {
                    store.Abort(writer);
                    return new CommitOutcome(true, [], 0, verdict);
                }
                fields = verdict.Headers;
            }
            if (stamp.Signer is { } signer)
            {
                await using var content = open();
                if (await signer.SignatureFieldAsync(content, CancellationToken.None).ConfigureAwait(false) is { } signature) fields = signature + fields;
            }
            if (fields.Length > 0)
            {
                var removeOf = stamp.Checks is { Settings.RemoveForeignAuthResults: true } c ? c.AuthServId : null;
                // A copy still only in memory is written to the (empty) file here for the first time, with its fields.
                writer = await ContentStamper.StampAsync(store, writer, stamp.ReturnPathLength, fields, removeOf, stamp.MaxHeaderSize, CancellationToken.None, copy)
                    .ConfigureAwait(false);
            }
            else
            {
                spooler.WriteOut();
            }
            var size = writer.Length;
            return new CommitOutcome(false, await Observability.MtaMetrics.TimedSpoolCommit(store.CommitAsync(writer, references)), size, verdict);
        }
        catch
        {
            store.Abort(writer);
            throw;
        }
    }

    private void OnContentCommitted(ContentCommitted m)
    {
        if (_acceptance?.Transaction != m.Transaction)
        {
            // The transaction already failed (timeout): the bytes are not wanted any more.
            foreach (var r in m.References) Services.Content.Release(r);
            return;
        }
        var acceptance = _acceptance;
        // Logged on the line that says how the message ended (one line per message: at 2,000 msg/s a second
        // line was a tenth of what the checks cost).
        if (m.Verdict is { } verdict) acceptance.Checks = " checks: " + verdict.Summary;
        var size = m.Size;
        var now = DateTimeOffset.UtcNow;
        var i = 0;
        var byMailbox = _recipientsByMailbox;
        _recipientsByMailbox = null;
        foreach (var address in _targets.Local)
        {
            var correlation = ++_nextCorrelation;
            acceptance.Pending.Add(correlation);
            Services.MailboxCourier.Tell(new DeliverToMailbox(address, acceptance.QueueId, m.References[i++], size, now, correlation)
            {
                ToJunk = m.Verdict?.Action == SpamAction.Junk,
                // What the mailbox journals for the message's Reception and Delivery events.
                Envelope = byMailbox is not null && byMailbox.TryGetValue(address, out var recipients)
                    ? new DeliveryEnvelope("smtp", _clientIp ??= Connection.RemoteEndPoint.Address.ToString(), _engine.ReversePath?.Address ?? "", recipients,
                        acceptance.Tags)
                    : null,
            });
            acceptance.Retractions.Add(new RetractDelivery(address, acceptance.QueueId, correlation));
        }
        var reversePath = _engine.ReversePath?.Address ?? "";
        foreach (var (domain, recipients) in _targets.Remote)
        {
            var correlation = ++_nextCorrelation;
            acceptance.Pending.Add(correlation);
            // A domain split into partitions (actormta.delivery.throttles) has its queue picked by the message id.
            var queueName = Services.Router.QueueNameFor(domain, acceptance.QueueId);
            Services.DomainQueueCourier.Tell(new EnqueueDelivery(queueName, acceptance.QueueId, m.References[i++], reversePath, recipients, size, now, correlation)
            {
                Traits = (_engine.Body == BodyType.EightBitMime ? ContentTraits.EightBitMime : ContentTraits.None)
                    | (_engine.SmtpUtf8 ? ContentTraits.SmtpUtf8 : ContentTraits.None),
                Dsn = _engine.Dsn,
                // The whole message's map: each queue keeps only its own recipients' parameters.
                RecipientDsn = _recipientDsn.Count == 0 ? EnqueueDelivery.EmptyRecipientDsn : _recipientDsn,
                Pool = acceptance.Pool,
                Tags = acceptance.Tags,
            });
            acceptance.Retractions.Add(new RetractEnqueue(queueName, acceptance.QueueId, correlation));
        }
        if (_successDsn.Count > 0) acceptance.SuccessDsnReference = m.References[i++];
        acceptance.Size = size;
        if (acceptance.Reports.Count > 0) ReadReport(acceptance, m.References[i]);
        if (acceptance.Pending.Count == 0) FinishAcceptance();
    }

    /// <summary>
    /// A message to report addresses: parsed off the actor thread (it is file I/O and MIME parsing) into events. The 250
    /// waits for the event log to confirm them durable, so an acknowledged report is never lost; the accept timer
    /// answers 451 4.3.0 when the log does not confirm in time, and the sender tries again. With the event log off
    /// there is nowhere to write them: the report goes to the postmaster as it is.
    /// </summary>
    private void ReadReport(Acceptance acceptance, string reference)
    {
        var correlation = ++_nextCorrelation;
        acceptance.Pending.Add(correlation);
        acceptance.ReportCorrelation = correlation;
        if (Services.Events?.Log is null)
        {
            OnReportRead(new ReportRead(acceptance.Transaction, [], reference, null));
            return;
        }
        var (content, transaction, to, queueId) = (Services.Content, acceptance.Transaction, acceptance.Reports, acceptance.QueueId);
        var (bounces, addresses, hostName) = (new global::ActorMTA.Protocol.Bounces.AsyncBounceParser(Services.Delivery?.Bounces ?? global::ActorMTA.Protocol.Bounces.BounceClassifier.Fallback),
            Services.Router.Reports, Services.Settings.HostName);
        Task.Run(() =>
        {
            IReadOnlyList<DeliveryEvent> events;
            using (var stream = content.OpenRead(reference))
            {
                var message = MimeKit.MimeMessage.Load(stream);
                events = ReportEvents.From(message, to, queueId, bounces, addresses, hostName, DateTimeOffset.UtcNow);
            }
            if (events.Count == 0) return new ReportRead(transaction, events, reference, null);
            content.Release(reference);
            return new ReportRead(transaction, events, null, null);
        }).PipeTo(Self, failure: e => new ReportRead(transaction, [], reference, e.GetBaseException().Message));
    }

    /// <summary>Releases a content reference on the thread pool: it may delete a spool file.</summary>
    private void ReleaseLater(string reference)
    {
        var content = Services.Content;
        _ = Task.Run(() => content.Release(reference));
    }

    private void OnReportRead(ReportRead m)
    {
        if (_acceptance?.Transaction != m.Transaction)
        {
            // The transaction already failed (timeout): the report's copy is not wanted any more (released off the actor thread).
            if (m.Reference is { } stale) ReleaseLater(stale);
            return;
        }
        var acceptance = _acceptance;
        if (m.Events.Count > 0)
        {
            var producer = ReportEvents.ProducerOf(acceptance.QueueId);
            var node = Services.Events!.Node;
            var entries = m.Events.Select((e, i) => new OutboxEntry(i + 1, [(e with { Node = node }).ToJsonLine()])).ToArray();
            acceptance.ReportEvents = (producer, entries.Length);
            Log.Info("smtp session={SessionId} queue-id={QueueId} report: {Events}", SessionId, acceptance.QueueId,
                string.Join(", ", m.Events.Select(e => $"{e.Type} {LogSafe.Text(e.Recipient)} {e.BounceCategory ?? e.FeedbackType}")));
            Services.Events.Log!.Tell(new AppendEvents(producer, entries), Self);
            return;
        }
        // Nothing machine-readable (a person's reply, an auto-reply, a format we do not know), or the event log is off:
        // a person reads it, rather than it being dropped.
        var postmaster = Services.Router.PostmasterMailbox();
        Log.Info("smtp session={SessionId} queue-id={QueueId} report not readable{Why}: delivered to {Postmaster}", SessionId, acceptance.QueueId,
            m.Error is null ? (Services.Events?.Log is null ? " (events off)" : "") : ": " + m.Error, postmaster);
        if (_targets.Local.Contains(postmaster))
        {
            ReleaseLater(m.Reference!);
            Acknowledged(acceptance.ReportCorrelation);
            return;
        }
        Services.MailboxCourier.Tell(new DeliverToMailbox(postmaster, acceptance.QueueId, m.Reference!, acceptance.Size, DateTimeOffset.UtcNow, acceptance.ReportCorrelation));
        acceptance.Retractions.Add(new RetractDelivery(postmaster, acceptance.QueueId, acceptance.ReportCorrelation));
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
        Log.Info("smtp session={SessionId} queue-id={QueueId} accepted from=<{From}> rcpts={Count} local={Local} remote-domains={Remote}{Checks}",
            [SessionId, acceptance.QueueId, LogSafe.Text(_engine.ReversePath?.Address), _engine.Recipients.Count, _targets.Local.Count, _targets.Remote.Count,
                acceptance.Checks]);
        _queueId = null;
        Observability.MtaMetrics.Received("smtp");
        SendSuccessDsn(acceptance);
        Apply(_engine.OnMessageAccepted(acceptance.QueueId));
    }

    /// <summary>The "delivered" DSN (RFC 3461) for local recipients with NOTIFY=SUCCESS. Sent after the 250 and not
    /// journaled: a crash in between loses the report, never the message.</summary>
    private void SendSuccessDsn(Acceptance acceptance)
    {
        if (acceptance.SuccessDsnReference is not { } reference) return;
        var content = Services.Content;
        var queueId = acceptance.QueueId;
        SuccessDsn.SendAsync(queueId, _engine.ReversePath!.Address, _engine.Dsn, _successDsn, reference, content, Services.Delivery!, Context.System)
            .ContinueWith(task =>
            {
                content.Release(reference);
                return task.IsCompletedSuccessfully
                    ? new SuccessDsnDone(queueId, task.Result.Stored ? task.Result.Destination : "not sent: " + task.Result.Destination)
                    : new SuccessDsnDone(queueId, "failed: " + task.Exception?.GetBaseException().Message);
            }, TaskScheduler.Default)
            .PipeTo(Self);
    }

    private static readonly SmtpReply AcceptFailed = new(451, "4.3.0", "Requested action aborted: local error in processing, try again later");

    /// <summary>Nothing half-delivered: every target that may have stored the message is told to take it back.</summary>
    private void FailAcceptance(SmtpReply reply)
    {
        var acceptance = _acceptance!;
        Timers.Cancel("accept");
        _acceptance = null;
        if (acceptance.Checks.Length > 0)
            Log.Info("smtp session={SessionId} queue-id={QueueId} not accepted ({Reply}){Checks}", SessionId, acceptance.QueueId, reply.Code, acceptance.Checks);
        if (acceptance.SuccessDsnReference is { } reference) Services.Content.Release(reference);
        foreach (var retraction in acceptance.Retractions)
        {
            if (retraction is RetractDelivery rd) Services.MailboxCourier.Tell(rd);
            else Services.DomainQueueCourier.Tell(retraction);
        }
        Apply(MessageRefused(() => _engine.OnMessageFailed(reply)));
    }

    private void AbortMessage()
    {
        _spoolFailure = null;
        if (_spooler is null) return;
        Services.Content.Abort(_spooler.Writer);
        _spooler = null;
    }
}
