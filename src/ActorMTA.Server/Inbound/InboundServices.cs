using System.Security.Cryptography.X509Certificates;
using ActorMTA.Server.Hosting;
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
    X509Certificate2? Certificate);
