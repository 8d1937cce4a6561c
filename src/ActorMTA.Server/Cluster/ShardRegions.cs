using ActorMTA.Server.Delivery;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The two sharded entity types of a node. Send <see cref="IMailboxCommand"/>s to <see cref="Mailbox"/>
/// and <see cref="IDomainQueueCommand"/>s to <see cref="DomainQueue"/>; sharding finds the entity
/// wherever it lives in the cluster.
/// </summary>
public sealed class ShardRegions
{
    public const string MailboxTypeName = "mailbox";
    public const string DomainQueueTypeName = "domain-queue";

    private ShardRegions(IActorRef mailbox, IActorRef domainQueue, int shardCount)
    {
        Mailbox = mailbox;
        DomainQueue = domainQueue;
        ShardCount = shardCount;
    }

    /// <summary>actormta.cluster.shard-count: what maps an entity id to its shard (ctl shards locate).</summary>
    public int ShardCount { get; }

    public IActorRef Mailbox { get; }
    public IActorRef DomainQueue { get; }

    /// <summary>
    /// Starts both regions with the settings in the system's actormta section. Without
    /// <paramref name="delivery"/> the domain queues only hold mail (entity tests); with it they deliver.
    /// </summary>
    public static ShardRegions Start(ActorSystem system, IContentStore content, DeliveryServices? delivery = null)
    {
        var config = system.Settings.Config;
        return Start(system, content, MailboxSettings.FromConfig(config), DomainQueueSettings.FromConfig(config), config.GetInt("actormta.cluster.shard-count"), delivery);
    }

    public static ShardRegions Start(ActorSystem system, IContentStore content, MailboxSettings mailbox, DomainQueueSettings queue, int shardCount,
        DeliveryServices? delivery = null)
    {
        var sharding = ClusterSharding.Get(system);
        var counters = EntityPersistenceCounters.Get(system);
        var defaults = ClusterShardingSettings.Create(system);

        // Mailboxes passivate themselves after passivate-after and are recreated by the next message:
        // nothing to remember, and sharding's own idle passivation stays out of the way.
        // Shards handed over (rebalance, a node leaving on SIGTERM) stop their entities with the entities' own
        // PassivateEntity, which waits for writes in flight and their replies, never with a PoisonPill between them.
        var mailboxSettings = defaults.WithRememberEntities(false).WithPassivateIdleAfter(TimeSpan.Zero);
        var mailboxRegion = sharding.Start(
            MailboxTypeName,
            address => Mailboxes.Mailbox.Props(address, content, mailbox, counters.Mailbox),
            mailboxSettings,
            new EntityMessageExtractor<IMailboxCommand>(shardCount, c => c.Address),
            sharding.DefaultShardAllocationStrategy(mailboxSettings),
            PassivateEntity.Instance);

        // A queue holding mail must come back after a restart without waiting for new mail.
        var queueSettings = defaults.WithRememberEntities(true);
        var queueRegion = sharding.Start(
            DomainQueueTypeName,
            queueName => Queues.DomainQueue.Props(queueName, content, queue, counters.DomainQueue, delivery),
            queueSettings,
            new EntityMessageExtractor<IDomainQueueCommand>(shardCount, c => c.QueueName),
            sharding.DefaultShardAllocationStrategy(queueSettings),
            PassivateEntity.Instance);

        return new ShardRegions(mailboxRegion, queueRegion, shardCount);
    }
}
