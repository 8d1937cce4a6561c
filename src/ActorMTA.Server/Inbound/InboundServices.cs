using System.Security.Cryptography.X509Certificates;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Net;
using ActorMTA.Server.Routing;
using ActorMTA.Storage;
using ActorMTA.Storage.Accounts;
using Akka.Actor;

namespace ActorMTA.Server.Inbound;

/// <summary>What every inbound session needs from the node: shared, thread-safe, created once by the host.</summary>
public sealed record InboundServices(
    ServerSettings Settings,
    AccountCache Accounts,
    IContentStore Content,
    IActorRef MailboxRegion,
    IActorRef DomainQueueRegion,
    X509Certificate2? Certificate)
{
    private RecipientRouter? _router;

    /// <summary>Open connections per protocol, shared by the listeners of that protocol and read by sessions to
    /// pick their deadlines (shorter under stress).</summary>
    public ConnectionLimiter SmtpConnections { get; } = ConnectionLimiter.WithStressAt(
        Settings.Smtp.MaxConnections, Settings.Smtp.MaxConnectionsPerIp, Settings.Smtp.Deadlines.StressThreshold);

    public ConnectionLimiter Pop3Connections { get; } = ConnectionLimiter.WithStressAt(
        Settings.Pop3.MaxConnections, Settings.Pop3.MaxConnectionsPerIp, Settings.Pop3.Deadlines.StressThreshold);

    public ConnectionLimiter ImapConnections { get; } = ConnectionLimiter.WithStressAt(
        Settings.Imap.MaxConnections, Settings.Imap.MaxConnectionsPerIp, Settings.Imap.Deadlines.StressThreshold);

    /// <summary>Free space of the spool and journal (a cached sample): MAIL FROM and APPEND refuse when it is low.</summary>
    public ActorMTA.Storage.Space.StorageSpace Space { get; init; } = ActorMTA.Storage.Space.StorageSpace.Unlimited;

    /// <summary>For the "delivered" DSN to senders that asked for one (NOTIFY=SUCCESS); null: none are sent.</summary>
    public Delivery.DeliveryServices? Delivery { get; init; }

    /// <summary>Where refused recipients and messages are written as Rejection events; null: nowhere.</summary>
    public Observability.Events.DeliveryEvents? Events { get; init; }

    /// <summary>actormta.mailbox.quota, for the RCPT check (the mailbox entity enforces it for IMAP).</summary>
    public Mailboxes.MailboxQuota Quota { get; init; } = Mailboxes.MailboxQuota.Unlimited;

    /// <summary>The inbound checks (actormta.spam); null: none run.</summary>
    public Checks.InboundChecks? Checks { get; init; }

    /// <summary>Teaches Rspamd from IMAP moves into and out of Junk; null: no learning.</summary>
    public Checks.SpamLearner? Learner { get; init; }

    /// <summary>Greylisting (actormta.spam.greylisting); null: off.</summary>
    public Greylisting.GreylistClient? Greylist { get; init; }

    /// <summary>DKIM signing of our users' mail (actormta.dkim); null: nothing is signed.</summary>
    public Checks.Signing.OutboundDkimSigner? Signer { get; init; }

    /// <summary>
    /// Where a session tells the commands of an accepted message for mailboxes (deliver, retract): an
    /// <see cref="Cluster.EntityCourier"/> in front of <see cref="MailboxRegion"/> when actormta.cluster.command-bundling
    /// is on, else the region itself.
    /// </summary>
    public IActorRef MailboxCourier
    {
        get => _mailboxCourier ?? MailboxRegion;
        init => _mailboxCourier = value;
    }

    /// <summary>The same for domain queues (enqueue, retract) in front of <see cref="DomainQueueRegion"/>.</summary>
    public IActorRef DomainQueueCourier
    {
        get => _domainQueueCourier ?? DomainQueueRegion;
        init => _domainQueueCourier = value;
    }

    private readonly IActorRef? _mailboxCourier, _domainQueueCourier;

    /// <summary>Where recipients go; by default over <see cref="Accounts"/> with unpartitioned domain queues.</summary>
    public RecipientRouter Router
    {
        get => _router ??= new RecipientRouter(() => Accounts.Current);
        init => _router = value;
    }
}
