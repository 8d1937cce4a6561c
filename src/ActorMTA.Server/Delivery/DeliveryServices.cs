using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Routing;
using Akka.Actor;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// What the DomainQueue entities of a node need to deliver: settings, DNS, and the recipient router that decides
/// whether a bounce goes to a local mailbox or out again. Shared by all queues; thread-safe. Without it
/// (null) a queue only holds its mail, as the entity tests want.
/// </summary>
/// <param name="ReportingMta">Our host name in DSNs (Reporting-MTA, MAILER-DAEMON@...).</param>
/// <param name="Router">Where mail for an address goes (the same router the SMTP session uses).</param>
public sealed record DeliveryServices(
    DeliverySettings Settings,
    MxResolver Mx,
    HostAddressResolver Hosts,
    string ReportingMta,
    RecipientRouter Router)
{
    /// <summary>The clock of retry schedules and expiry (tests may move it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Recognises targets that are this server (a mail loop). By default only our host name is known.</summary>
    public MailLoopGuard Loops { get; init; } = MailLoopGuard.HostNameOnly(ReportingMta);

    /// <summary>Names the bounce category of a reply (actormta.bounces rules) for events, DSNs and ctl.</summary>
    public Protocol.Bounces.BounceClassifier Bounces { get; init; } = Protocol.Bounces.BounceClassifier.Fallback;

    /// <summary>actormta.shaping, resolved per (domain, site, source). Null: queues throttle per domain only
    /// (delivery.throttles), as the entity tests that have no cluster-wide throttle want.</summary>
    public ShapingResolver? Shaping { get; init; }

    /// <summary>The <see cref="SendThrottle"/> shard region; <see cref="Cluster.ShardRegions"/> sets it when
    /// <see cref="Shaping"/> is there.</summary>
    public IActorRef? SendThrottles { get; init; }

    /// <summary>actormta.egress: the sources outbound connections bind to and the pools messages choose among them.</summary>
    public EgressSettings Egress { get; init; } = EgressSettings.DefaultOnly(Settings.HeloName);

    public static DeliveryServices Create(DeliverySettings settings, string reportingMta, RecipientRouter router)
    {
        var resolverOptions = settings.ResolverOptions();
        var servers = resolverOptions.NameServers();
        return new DeliveryServices(settings, new MxResolver(resolverOptions, servers: servers),
            new HostAddressResolver(resolverOptions, servers), reportingMta, router);
    }
}
