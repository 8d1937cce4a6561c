using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The sharded entity types of a node. Send <see cref="IMailboxCommand"/>s to <see cref="Mailbox"/>,
/// <see cref="IDomainQueueCommand"/>s to <see cref="DomainQueue"/> and <see cref="IGreylistCommand"/>s to
/// <see cref="Greylist"/> (or use <see cref="GreylistClient"/>); sharding finds the entity wherever it lives in the cluster.
/// </summary>
public sealed class ShardRegions
{
    public const string MailboxTypeName = "mailbox";
    public const string DomainQueueTypeName = "domain-queue";
    public const string GreylistTypeName = "greylist";
    public const string SendThrottleTypeName = "send-throttle";

    private ShardRegions(IActorRef mailbox, IActorRef domainQueue, IActorRef greylist, IActorRef sendThrottle, int shardCount)
    {
        Mailbox = mailbox;
        DomainQueue = domainQueue;
        Greylist = greylist;
        SendThrottle = sendThrottle;
        ShardCount = shardCount;
    }

    /// <summary>actormta.cluster.shard-count: what maps an entity id to its shard (ctl shards locate).</summary>
    public int ShardCount { get; }

    public IActorRef Mailbox { get; }
    public IActorRef DomainQueue { get; }

    /// <summary>
    /// Where accepted mail's commands for mailboxes go (<see cref="EntityCourier"/>, actormta.cluster.command-bundling);
    /// the region itself when bundling is off.
    /// </summary>
    public IActorRef MailboxCourier { get => _mailboxCourier ?? Mailbox; private set => _mailboxCourier = value; }

    /// <summary>The same for domain queues.</summary>
    public IActorRef DomainQueueCourier { get => _domainQueueCourier ?? DomainQueue; private set => _domainQueueCourier = value; }

    private IActorRef? _mailboxCourier, _domainQueueCourier;

    /// <summary>Greylist entities, one per client network; started whether or not greylisting is enabled (it costs nothing unasked).</summary>
    public IActorRef Greylist { get; }

    /// <summary><see cref="Delivery.Shaping.SendThrottle"/> entities, one per (source, site) or (source, provider).</summary>
    public IActorRef SendThrottle { get; }

    /// <summary>
    /// Starts the regions with the settings in the system's actormta section. Without
    /// <paramref name="delivery"/> the domain queues only hold mail (entity tests); with it they deliver.
    /// <paramref name="clock"/> is the greylist's (tests move it); the system clock by default.
    /// </summary>
    public static ShardRegions Start(ActorSystem system, IContentStore content, DeliveryServices? delivery = null, TimeProvider? clock = null)
    {
        var config = system.Settings.Config;
        return Start(system, content, MailboxSettings.FromConfig(config), DomainQueueSettings.FromConfig(config), config.GetInt("actormta.cluster.shard-count"), delivery,
            GreylistSettings.FromConfig(config), clock);
    }

    public static ShardRegions Start(ActorSystem system, IContentStore content, MailboxSettings mailbox, DomainQueueSettings queue, int shardCount,
        DeliveryServices? delivery = null, GreylistSettings? greylist = null, TimeProvider? clock = null)
    {
        var sharding = ClusterSharding.Get(system);
        var counters = EntityPersistenceCounters.Get(system);
        var defaults = ClusterShardingSettings.Create(system);

        // Mailboxes passivate themselves after passivate-after and are recreated by the next message; sharding's
        // own idle passivation stays out of the way. They are remembered so that a mailbox running when its node
        // died comes back by itself: it may hold delivery events its journal has and the event log had not yet
        // confirmed (it never passivates while it does), and nothing else would start it to send them.
        // Shards handed over (rebalance, a node leaving on SIGTERM) stop their entities with the entities' own
        // PassivateEntity, which waits for writes in flight and their replies, never with a PoisonPill between them.
        var mailboxSettings = defaults.WithRememberEntities(true).WithPassivateIdleAfter(TimeSpan.Zero);
        var mailboxExtractor = new EntityMessageExtractor<IMailboxCommand>(shardCount, c => c.Address);
        var mailboxRegion = sharding.Start(
            MailboxTypeName,
            address => Mailboxes.Mailbox.Props(address, content, mailbox, counters.Mailbox),
            mailboxSettings,
            mailboxExtractor,
            sharding.DefaultShardAllocationStrategy(mailboxSettings),
            PassivateEntity.Instance);

        // Counters that last seconds: nothing to remember or recover; an idle throttle passivates itself.
        var throttleShards = defaults.WithRememberEntities(false).WithPassivateIdleAfter(TimeSpan.Zero);
        var throttleClock = delivery?.Clock ?? TimeProvider.System;
        var throttleRegion = sharding.Start(
            SendThrottleTypeName,
            key => Delivery.Shaping.SendThrottle.Props(key, throttleClock, delivery?.Shaping?.Settings.Automation ?? AutomationRules.None),
            throttleShards,
            new EntityMessageExtractor<ISendThrottleCommand>(shardCount, c => c.ThrottleKey),
            sharding.DefaultShardAllocationStrategy(throttleShards),
            PassivateEntity.Instance);
        if (delivery is { Shaping: not null }) delivery = delivery with { SendThrottles = throttleRegion };

        // A queue holding mail must come back after a restart without waiting for new mail.
        var queueSettings = defaults.WithRememberEntities(true);
        var queueExtractor = new EntityMessageExtractor<IDomainQueueCommand>(shardCount, c => c.QueueName);
        var queueRegion = sharding.Start(
            DomainQueueTypeName,
            queueName => Queues.DomainQueue.Props(queueName, content, queue, counters.DomainQueue, delivery),
            queueSettings,
            queueExtractor,
            sharding.DefaultShardAllocationStrategy(queueSettings),
            PassivateEntity.Instance);

        // Like mailboxes: a greylist entity passivates itself when idle and recovers from its journal on the next check.
        var greylistSettings = greylist ?? new GreylistSettings();
        var greylistClock = clock ?? TimeProvider.System;
        var greylistShards = defaults.WithRememberEntities(false).WithPassivateIdleAfter(TimeSpan.Zero);
        var greylistRegion = sharding.Start(
            GreylistTypeName,
            network => Greylisting.Greylist.Props(network, greylistSettings, greylistClock, counters.Greylist),
            greylistShards,
            new EntityMessageExtractor<IGreylistCommand>(shardCount, c => c.Network),
            sharding.DefaultShardAllocationStrategy(greylistShards),
            PassivateEntity.Instance);

        var regions = new ShardRegions(mailboxRegion, queueRegion, greylistRegion, throttleRegion, shardCount);
        var bundling = system.Settings.Config.GetConfig("actormta.cluster.command-bundling");
        if (bundling is not null && !bundling.IsEmpty && BundlingEnabled(bundling.GetString("enabled", "off"), system.Settings.Config))
        {
            var max = bundling.GetInt("max-commands", 64);
            regions.MailboxCourier = system.ActorOf(EntityCourier.Props(mailboxRegion, mailboxExtractor, max), "mailbox-courier");
            regions.DomainQueueCourier = system.ActorOf(EntityCourier.Props(queueRegion, queueExtractor, max), "domain-queue-courier");
        }
        return regions;
    }

    /// <summary>
    /// actormta.cluster.command-bundling.enabled: on, off, or auto (on when seed nodes are configured: bundles pay for
    /// themselves where commands cross nodes; on a node alone the courier is one more hand-over per message).
    /// </summary>
    public static bool BundlingEnabled(string setting, Akka.Configuration.Config config) => setting.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        "auto" => config.GetStringList("akka.cluster.seed-nodes", []).Count > 0,
        _ => throw new Akka.Configuration.ConfigurationException($"actormta.cluster.command-bundling.enabled must be on, off or auto, not '{setting}'"),
    };
}
