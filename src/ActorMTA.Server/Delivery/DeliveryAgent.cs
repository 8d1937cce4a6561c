using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using ActorMTA.Server.Net;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

using ActorMTA.Server.Queues;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// One outbound SMTP connection, a child of its DomainQueue and not persistent. It tries the job's targets in
/// order (the next one on a connect failure or when the session fails before it is ready: non-220 greeting,
/// refused EHLO/HELO, 421, TLS required but missing), then sends the job's messages one after another over
/// that session, driving the pure <see cref="SmtpClientEngine"/>; the <see cref="SocketConnection"/> moves the
/// bytes and streams content dot-stuffed from the content store. Every settled message is reported at once
/// (<see cref="MessageAttempted"/>); <see cref="AgentFinished"/> ends the job with what could not be tried.
/// </summary>
public sealed class DeliveryAgent : ReceiveActor
{
    // Results the agent pipes to itself: a socket and open content never leave the process, so serialize-messages
    // does not check them.
    private sealed record Connected(Socket Socket, DeliveryTarget Target) : INoSerializationVerificationNeeded;
    private sealed record ConnectFailed(DeliveryTarget Target, SmtpReply Reply, string Reason) : INoSerializationVerificationNeeded;
    private sealed record ContentPrepared(int Attempt, OutboundContent Content) : INoSerializationVerificationNeeded;
    private sealed record ContentUnprepared(int Attempt, string Reason) : INoSerializationVerificationNeeded;

    private static readonly SmtpReply ContentUnreadable = new(451, "4.3.0", "Queued content could not be read");

    private readonly DeliveryJob _job;
    private readonly DeliverySettings _settings;
    private readonly IContentStore _content;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<OutboundItem> _todo;
    private int _nextTarget;
    private DeliveryTarget? _target;
    private SmtpClientEngine? _engine;
    private SocketConnection? _connection;
    private OutboundItem? _current;
    private OutboundContent? _currentContent;
    private int _prepareAttempt;
    private long _currentStarted;
    private long _agentStarted;
    private bool _readyOnThisConnection;
    private bool _everReady;
    private bool _tlsPending;
    // The TLS of the current session, for delivery events; null: plain text.
    private TlsEstablished? _tls;
    private bool _awaitingFinalReply;
    private bool _closing;
    private bool _finished;
    private bool _saw421;
    private int _timeouts;
    private int _reconnects;
    private int _handedOut;
    private bool _askedForMore;
    private Action? _afterClose;
    private SmtpReply _lastFailure = LocalReplies.ConnectFailed;
    // VERP (actormta.bounces.verp): the current message goes as one transaction per recipient, each with its own return
    // path, over the same session and content. The results so far and the recipients still to send; null: not VERP.
    private List<RecipientResult>? _verpResults;
    private Queue<string>? _verpLeft;

    private StartTlsMode StartTls => _job.StartTls ?? _settings.StartTls;

    public DeliveryAgent(DeliveryJob job, DeliverySettings settings, IContentStore content)
    {
        _job = job;
        _settings = settings;
        _content = content;
        _todo = new Queue<OutboundItem>(job.Messages);
        _handedOut = job.Messages.Count;

        Receive<Connected>(OnConnected);
        Receive<ConnectFailed>(m =>
        {
            _log.Debug("delivery queue={0} connect to {1} failed: {2}", _job.QueueName, m.Target, m.Reason);
            _lastFailure = m.Reply;
            if (m.Reply == LocalReplies.Timeout) _timeouts++;
            ConnectNext();
        });
        Receive<LineReceived>(m =>
        {
            if (_engine is null || _tlsPending) return;
            _awaitingFinalReply = false;
            Apply(_engine.OnReplyLine(m.Line));
        });
        Receive<LineTooLong>(_ => { if (_engine is not null) Apply(_engine.Abort(LocalReplies.MalformedReply)); });
        Receive<ReadTimedOut>(_ =>
        {
            if (_engine is null) return;
            _timeouts++;
            Apply(_engine.Abort(LocalReplies.Timeout));
        });
        Receive<TlsEstablished>(m =>
        {
            if (_engine is null) return;
            _tlsPending = false;
            _tls = m;
            _log.Debug("delivery queue={0} tls to {1}: {2} {3}", _job.QueueName, _target, m.Protocol, m.Cipher);
            Apply(_engine.OnTlsEstablished());
        });
        Receive<ContentSent>(m =>
        {
            if (_engine is null) return;
            if (!m.Ok)
            {
                // The 354 is answered and part of the data may be out: only dropping the connection keeps the
                // server from taking a truncated message.
                Apply(_engine.Abort(new SmtpReply(451, "4.3.0", "Queued content could not be read")));
                return;
            }
            _awaitingFinalReply = true;
            Apply(_engine.OnContentSent());
        });
        Receive<ContentPrepared>(OnContentPrepared);
        Receive<ContentUnprepared>(m =>
        {
            if (m.Attempt != _prepareAttempt || _current is null || _engine is not { State: ClientState.Ready }) return;
            _log.Warning("delivery queue={0} message {1}: content not prepared: {2}", _job.QueueName, _current.QueueId, m.Reason);
            Report(new TransactionResult(_current.QueueId, _current.Recipients.Select(r => new RecipientResult(r, ContentUnreadable)).ToArray(), ContentUnreadable));
            SendNextOrQuit();
        });
        Receive<ConnectionClosed>(OnConnectionClosed);
        Receive<MoreMessages>(m =>
        {
            _askedForMore = false;
            foreach (var item in m.Messages) _todo.Enqueue(item);
            _handedOut += m.Messages.Count;
            if (m.Messages.Count == 0) _handedOut = int.MaxValue; // nothing due: do not ask again on this connection
            if (_engine is { State: ClientState.Ready } && !_engine.IsAwaitingCompletion) SendNextOrQuit();
        });
    }

    public static Props Props(DeliveryJob job, DeliverySettings settings, IContentStore content) =>
        Akka.Actor.Props.Create(() => new DeliveryAgent(job, settings, content));

    protected override void PreStart()
    {
        _agentStarted = Stopwatch.GetTimestamp();
        ConnectNext();
    }

    protected override void PostStop()
    {
        _connection?.Abort();
        ReleaseConvertedContent();
    }

    private void ConnectNext()
    {
        if (_todo.Count == 0 || _nextTarget >= _job.Targets.Count)
        {
            Finish();
            return;
        }
        var target = _job.Targets[_nextTarget++];
        _target = target;
        _tls = null;
        OutboundSocket.ConnectAsync(new IPEndPoint(target.Address, target.Port), _settings.ConnectTimeout, _job.Source?.Bind)
            .PipeTo(Self,
                success: socket => new Connected(socket, target),
                failure: e => new ConnectFailed(target, e is TimeoutException ? LocalReplies.Timeout : LocalReplies.ConnectFailed, e.Message));
    }

    private void OnConnected(Connected m)
    {
        _target = m.Target;
        _engine = new SmtpClientEngine(new SmtpClientOptions(
            _job.Source?.Ehlo ?? _settings.HeloName, StartTls != StartTlsMode.Off, StartTls == StartTlsMode.Required));
        _connection = new SocketConnection(m.Socket, Self);
        _connection.Start();
        _readyOnThisConnection = false;
        _closing = false;
        Apply(_engine.OnConnected());
    }

    private void Apply(ClientStep step)
    {
        var engine = _engine!;
        if (step.Commands.Count > 0) _connection?.Post(new SendBytes(step.ToBytes()));
        switch (step.Effect)
        {
            case ClientEffect.StartTlsHandshake:
                _tlsPending = true;
                _connection?.Post(new StartTlsClient(_target!.HostName, _settings.VerifyCertificates, _settings.CommandTimeout));
                break;
            case ClientEffect.SendContent:
                var prepared = _currentContent!;
                var content = _content;
                _connection?.Post(new SendDotStuffed(() =>
                {
                    var stream = content.OpenRead(prepared.ContentRef);
                    if (prepared.SkipLeadingReturnPath) stream.Seek(OutboundContent.LeadingReturnPathLength(stream), SeekOrigin.Begin);
                    else if (prepared.Offset > 0) stream.Seek(prepared.Offset, SeekOrigin.Begin);
                    return stream;
                }, null));
                break;
            case ClientEffect.TransactionFinished finished:
                if (_verpLeft is not null)
                {
                    _verpResults!.AddRange(finished.Result.Recipients);
                    if (_verpLeft.Count > 0 && engine.State == ClientState.Ready)
                    {
                        SendVerpNext();
                        break;
                    }
                    // Recipients left when the session is not ready for another transaction were not tried: a temporary failure.
                    Report(VerpSettled(null, LocalReplies.ConnectionLost));
                }
                else Report(finished.Result);
                SendNextOrQuit();
                break;
            case ClientEffect.ConnectionFailed failed:
                OnSessionFailed(failed);
                break;
            case ClientEffect.Close:
                CloseThen(Finish);
                break;
            case null:
                if (engine.State == ClientState.Ready)
                {
                    _readyOnThisConnection = _everReady = true;
                    SendNextOrQuit();
                }
                else if (engine.State != ClientState.Closed && !engine.IsAwaitingCompletion)
                {
                    _connection?.Post(new ReadLine(_settings.MaxReplyLineLength, _awaitingFinalReply ? _settings.DataTimeout : _settings.CommandTimeout));
                }
                break;
        }
    }

    private void SendNextOrQuit()
    {
        if (_current is not null) return; // one is being prepared or is in flight
        if (_todo.Count == 0 && _readyOnThisConnection && _handedOut < _job.MaxMessages)
        {
            // The session is open and idle: reuse it for mail that became due meanwhile rather than reconnect.
            if (!_askedForMore)
            {
                _askedForMore = true;
                Context.Parent.Tell(new MoreWork(_job.MaxMessages - _handedOut));
            }
            return;
        }
        if (_todo.Count == 0)
        {
            Apply(_engine!.Quit());
            return;
        }
        _current = _todo.Dequeue();
        _currentStarted = Stopwatch.GetTimestamp();
        // Reading the start of the content (and converting 8-bit mail for a server without 8BITMIME) is file
        // I/O: done on the thread pool, the session waits idle meanwhile.
        var item = _current;
        var attempt = ++_prepareAttempt;
        var sevenBitOnly = !_engine!.Capabilities.EightBitMime && !item.Traits.HasFlag(ContentTraits.SmtpUtf8);
        if (OutboundContent.AsStored(item, sevenBitOnly) is { } asStored)
        {
            // Nothing to convert: no file I/O before MAIL FROM; the Return-Path is skipped when the content is opened.
            OnContentPrepared(new ContentPrepared(attempt, asStored));
            return;
        }
        OutboundContent.PrepareAsync(item, sevenBitOnly, _content)
            .PipeTo(Self, success: c => new ContentPrepared(attempt, c), failure: e => new ContentUnprepared(attempt, e.Message));
    }

    private void OnContentPrepared(ContentPrepared m)
    {
        if (m.Attempt != _prepareAttempt || _current is null || _engine is not { State: ClientState.Ready } || _engine.IsAwaitingCompletion)
        {
            // The session ended meanwhile; the message is back in the to-do list and is prepared again.
            if (m.Content.TemporaryRef is { } stale) _content.Release(stale);
            return;
        }
        _currentContent = m.Content;
        var item = _current;
        if (m.Content.TemporaryRef is not null)
            _log.Debug("delivery queue={0} message {1}: 8-bit content converted to 7-bit for {2}", _job.QueueName, item.QueueId, _target);
        if (_settings.ReturnPaths is { VerpOn: true } && item.ReversePath.Length > 0)
        {
            _verpResults = new List<RecipientResult>(item.Recipients.Count);
            _verpLeft = new Queue<string>(item.Recipients);
            SendVerpNext();
            return;
        }
        Apply(_engine.Send(MessageOf(item, item.ReversePath, item.Recipients)));
    }

    private OutboundMessage MessageOf(OutboundItem item, string reversePath, IReadOnlyList<string> recipients) =>
        new(item.QueueId, reversePath, recipients, _currentContent!.Size,
            Needs8BitMime: _currentContent.EightBit, NeedsSmtpUtf8: item.Traits.HasFlag(ContentTraits.SmtpUtf8))
        {
            Dsn = item.Dsn,
            RecipientDsn = item.RecipientDsn.Count == 0 ? [] : recipients.Select(r => item.RecipientDsn.GetValueOrDefault(r, DsnRecipientParameters.None)).ToArray(),
        };

    /// <summary>The next recipient of the current message in a transaction of its own, MAIL FROM its VERP return path.</summary>
    private void SendVerpNext()
    {
        var item = _current!;
        var recipient = _verpLeft!.Dequeue();
        var returnPath = _settings.ReturnPaths!.ReturnPathFor(item.ReversePath, item.QueueId, recipient, item.Tenant);
        Apply(_engine!.Send(MessageOf(item, returnPath, [recipient])));
    }

    /// <summary>
    /// The whole message's result once its VERP transactions end: what each one gave, then <paramref name="last"/>'s
    /// recipients (the transaction the session failed in), and <paramref name="forRest"/> for those never sent, as
    /// the queue expects one result per message and attempt.
    /// </summary>
    private TransactionResult VerpSettled(TransactionResult? last, SmtpReply forRest)
    {
        var results = _verpResults!;
        if (last is not null) results.AddRange(last.Recipients);
        foreach (var recipient in _verpLeft!) results.Add(new RecipientResult(recipient, forRest));
        _verpResults = null;
        _verpLeft = null;
        return new TransactionResult(_current?.QueueId ?? last?.QueueId ?? "", results, last?.Reply ?? forRest);
    }

    private void ReleaseConvertedContent()
    {
        if (_currentContent?.TemporaryRef is { } temporary) _content.Release(temporary);
        _currentContent = null;
    }

    private void OnSessionFailed(ClientEffect.ConnectionFailed failed)
    {
        // A VERP message part sent: what was sent is settled, never sent again; the rest gets the session's failure.
        if (_verpLeft is not null) Report(VerpSettled(failed.Transaction, failed.Reply));
        else if (failed.Transaction is not null) Report(failed.Transaction);
        if (_current is not null)
        {
            // Cannot happen with the engine's contract (a message in flight is always settled), but never lose one.
            _todo.Enqueue(_current);
            _current = null;
            ReleaseConvertedContent();
        }
        _lastFailure = failed.Reply;
        if (failed.Reply.Code == 421 && failed.WholeConnection && _readyOnThisConnection) _saw421 = true;

        if (!_readyOnThisConnection)
        {
            // The host would not start a session: its greeting, EHLO or TLS failed. Another MX may do better.
            _log.Debug("delivery queue={0} {1} refused the session: {2}", _job.QueueName, _target, failed.Reply);
            CloseThen(ConnectNext);
        }
        else if (!failed.WholeConnection && _reconnects++ < 1)
        {
            // Only this connection ended (the server's idle timeout): a fresh one to the same host.
            _nextTarget--;
            CloseThen(ConnectNext);
        }
        else
        {
            CloseThen(Finish);
        }
    }

    private void CloseThen(Action next)
    {
        _engine = null;
        _tlsPending = false;
        _awaitingFinalReply = false;
        if (_connection is null)
        {
            next();
            return;
        }
        _closing = true;
        _afterClose = next;
        _connection.Post(CloseConnection.Instance);
    }

    private void OnConnectionClosed(ConnectionClosed m)
    {
        if (_closing)
        {
            _connection = null;
            _closing = false;
            var next = _afterClose;
            _afterClose = null;
            next?.Invoke();
            return;
        }
        // The peer went away (or the TLS handshake failed): settle through the engine, which reports the
        // message in flight; the connection is already gone, so nothing is written.
        var engine = _engine;
        _connection = null;
        if (engine is null || engine.State == ClientState.Closed) return;
        _log.Debug("delivery queue={0} connection to {1} closed: {2}", _job.QueueName, _target, m.Reason);
        Apply(engine.Abort(_tlsPending ? LocalReplies.TlsHandshakeFailed : LocalReplies.ConnectionLost));
    }

    private void Report(TransactionResult result)
    {
        var item = _current;
        _current = null;
        var hasDsn = _engine?.Capabilities.Dsn ?? false;
        ReleaseConvertedContent();
        var latency = (long)Stopwatch.GetElapsedTime(_currentStarted).TotalMilliseconds;
        foreach (var r in result.Recipients) DeliveryLog.Write(_log, result.QueueId, r.Recipient, _target?.HostName, r.Reply, latency);
        Context.Parent.Tell(new MessageAttempted(item?.QueueId ?? result.QueueId, _target?.HostName ?? "", result.Recipients)
            { NextHopHasDsn = hasDsn, DurationMs = latency, Connection = ConnectionInfo });
    }

    private OutboundConnectionInfo? ConnectionInfo =>
        _target is null ? null : new OutboundConnectionInfo(_target.Address.ToString(), _tls?.Protocol, _tls?.Cipher);

    private void Finish()
    {
        if (_finished) return;
        _finished = true;
        var unattempted = _todo.Select(m => m.QueueId).ToArray();
        // Back off when no host would talk to us at all, the server said 421, or it kept timing out: hammering it
        // with the rest of the queue would only make things worse (and hold connections other domains can use).
        var backoff = unattempted.Length > 0 && (!_everReady || _saw421 || _timeouts >= 2);
        Context.Parent.Tell(new AgentFinished(unattempted, _lastFailure, _target?.HostName, backoff)
            { ElapsedMs = (long)Stopwatch.GetElapsedTime(_agentStarted).TotalMilliseconds, Connection = ConnectionInfo });
        Context.Stop(Self);
    }
}
