using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Protocol.Pop3;
using ActorMTA.Server.Cluster;
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
public sealed class Pop3Session : ProtocolSession
{
    private sealed record MailboxTimedOut(long Correlation);

    private enum Waiting { Nothing, Maildrop, Commit }

    private static readonly byte[] Farewell = Encoding.ASCII.GetBytes("-ERR [SYS/TEMP] server shutting down\r\n");

    private readonly Pop3Limits _limits;
    private readonly Pop3ServerEngine _engine;
    private readonly TimeSpan _mailboxTimeout;
    private string? _user;
    private Dictionary<string, MailboxMessage> _byUid = new();
    private Waiting _waiting;
    private long _pendingCorrelation = -1;
    private long _nextCorrelation;

    public Pop3Session(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) : base(services, listener, socket, client)
    {
        _limits = services.Settings.Pop3;
        _mailboxTimeout = services.Settings.Smtp.AcceptTimeout;
        _engine = new Pop3ServerEngine(new Pop3ServerOptions(
            services.Settings.HostName, StartTlsAvailable, TlsActiveAtStart, _limits.AuthRequiresTls, _limits.MaxAuthFailures)
        {
            MaxBadCommands = _limits.MaxBadCommands,
        });

        Receive<LineReceived>(m => { InputArrived(); Apply(_engine.OnLine(m.Line)); });
        Receive<LineTooLong>(_ => { InputArrived(); Apply(_engine.OnLineTooLong()); });
        Receive<ReadTimedOut>(_ =>
        {
            InputArrived();
            Log.Info("pop3 session={0} client={1} timeout: command not complete in time", SessionId, Connection.RemoteEndPoint);
            Apply(_engine.OnTimeout());
        });
        Receive<ContentSent>(m =>
        {
            if (!m.Ok) Log.Warning("pop3 session={0} user={1} message content unreadable during RETR: {2}", SessionId, _user, m.Failure ?? "unknown");
            Apply(m.Ok || m.Started ? _engine.OnMessageSent(m.Ok) : _engine.OnMessageUnavailable());
        });
        Receive<Maildrop>(m =>
        {
            if (_waiting != Waiting.Maildrop) return;
            Answered();
            _byUid = m.Messages.ToDictionary(UidOf);
            Apply(_engine.OnAuthResult(true, m.Messages.Select(x => new Pop3Message(UidOf(x), x.Size)).ToList()));
        });
        Receive<MessagesExpunged>(m =>
        {
            if (_waiting != Waiting.Commit || m.CorrelationId != _pendingCorrelation) return;
            Answered();
            Log.Info("pop3 session={0} user={1} deleted {2} messages", SessionId, _user, m.Uids.Count);
            Apply(_engine.OnCommitted(true));
        });
        Receive<JournalWriteFailed>(m =>
        {
            if (_waiting != Waiting.Commit || m.Command is not ExpungeMessages { } expunge || expunge.CorrelationId != _pendingCorrelation) return;
            Answered();
            Log.Error("pop3 session={0} user={1} deletions could not be written: {2}", SessionId, _user, m.Reason);
            Apply(_engine.OnCommitted(false));
        });
        Receive<MailboxTimedOut>(m =>
        {
            if (m.Correlation != _pendingCorrelation) return;
            var waiting = _waiting;
            Answered();
            Log.Error("pop3 session={0} user={1} mailbox did not answer in {2}", SessionId, _user, _mailboxTimeout);
            Apply(waiting == Waiting.Maildrop ? _engine.OnAuthUnavailable() : _engine.OnCommitted(false));
        });
    }

    public static Props Props(InboundServices services, ListenerSettings listener, Socket socket, IPEndPoint? client = null) =>
        Akka.Actor.Props.Create(() => new Pop3Session(services, listener, socket, client));

    protected override string Protocol => "pop3";
    protected override TimeSpan AuthFailureDelay => _limits.AuthFailureDelay;
    protected override ReadOnlyMemory<byte> ShutdownFarewell => Farewell;

    // UIDL values must survive sessions and never be reused: the queue id is unique, the uid makes it unique per copy.
    private static string UidOf(MailboxMessage m) => $"{m.Uid}.{m.QueueId}";

    protected override void OnGreeting() => Apply(_engine.Start());

    protected override void OnTlsUpgraded() => Apply(_engine.OnTlsEstablished());

    protected override void OnAuthenticated(string user)
    {
        _user = user.ToLowerInvariant();
        AskMailbox(Waiting.Maildrop, _ => new GetMaildrop(_user) { WithoutStructures = true });
    }

    protected override void OnAuthenticationFailed(string user) => Apply(_engine.OnAuthResult(false, null));

    private void Apply(Pop3Step step)
    {
        if (step.Lines.Count > 0) Connection.Post(new SendBytes(step.ToBytes()));
        if (step.Effect is Pop3Effect.Close && _engine.BadCommands >= _limits.MaxBadCommands)
            Log.Warning("pop3 session={0} client={1} closed after {2} bad commands", SessionId, Connection.RemoteEndPoint, _engine.BadCommands);
        switch (step.Effect)
        {
            case null:
                if (ShutdownRequested) Apply(_engine.OnShutdown());
                else ReadCommand(_limits.MaxLineLength, _limits.Deadlines.CommandTimeout(_limits.CommandTimeout, Services.Pop3Connections.UnderStress));
                break;
            case Pop3Effect.Authenticate auth:
                VerifyCredentials(auth.User, auth.Password, auth.AuthorizationId);
                break;
            case Pop3Effect.SendMessage send:
                var reference = _byUid[send.Uid].ContentRef;
                var content = Services.Content;
                Connection.Post(new SendDotStuffed(() => content.OpenRead(reference), send.TopLines)
                {
                    Preamble = System.Text.Encoding.ASCII.GetBytes(send.StatusLine + "\r\n"),
                });
                break;
            case Pop3Effect.Commit commit:
                var uids = commit.DeletedUids.Select(u => _byUid[u].Uid).ToList();
                if (uids.Count == 0) Apply(_engine.OnCommitted(true));
                else AskMailbox(Waiting.Commit, correlation => new ExpungeMessages(_user!, MailboxFolders.Inbox, uids, correlation));
                break;
            case Pop3Effect.StartTls:
                UpgradeToTls();
                break;
            case Pop3Effect.Close:
                Connection.Post(CloseConnection.Instance);
                break;
        }
    }

    private void AskMailbox(Waiting waiting, Func<long, IMailboxCommand> command)
    {
        var correlation = ++_nextCorrelation;
        _pendingCorrelation = correlation;
        _waiting = waiting;
        Services.MailboxRegion.Tell(command(correlation));
        Timers.StartSingleTimer("mailbox", new MailboxTimedOut(correlation), _mailboxTimeout);
    }

    private void Answered()
    {
        _waiting = Waiting.Nothing;
        _pendingCorrelation = -1;
        Timers.Cancel("mailbox");
    }
}
