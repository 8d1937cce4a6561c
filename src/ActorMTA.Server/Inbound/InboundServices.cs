using System.Security.Cryptography.X509Certificates;
using ActorMTA.Server.Hosting;
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

    /// <summary>Free space of the spool and journal (a cached sample): MAIL FROM and APPEND refuse when it is low.</summary>
    public ActorMTA.Storage.Space.StorageSpace Space { get; init; } = ActorMTA.Storage.Space.StorageSpace.Unlimited;

    /// <summary>For the "delivered" DSN to senders that asked for one (NOTIFY=SUCCESS); null: none are sent.</summary>
    public Delivery.DeliveryServices? Delivery { get; init; }

    /// <summary>Where recipients go; by default over <see cref="Accounts"/> with unpartitioned domain queues.</summary>
    public RecipientRouter Router
    {
        get => _router ??= new RecipientRouter(() => Accounts.Current);
        init => _router = value;
    }
}
