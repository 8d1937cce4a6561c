using Prometheus;

namespace ActorMTA.Server.Observability;

/// <summary>
/// The node's instruments, exported in Prometheus text format by <see cref="MetricsEndpoint"/> from prometheus-net's
/// default registry. prometheus-net's own instruments rather than System.Diagnostics.Metrics: its bridge from the
/// Meters API (8.2.1) exported none of ours when tried, and these need no bridge. Thread-safe and cheap enough to
/// record unconditionally. Labels are kept to protocols, outcomes, sites and sources (a handful per provider),
/// never recipients or domains, whose number has no bound.
/// </summary>
public static class MtaMetrics
{
    private static readonly Counter MessagesReceived = Metrics.CreateCounter(
        "actormta_messages_received_total", "Messages accepted and durably queued (SMTP 250, or counted in an HTTP success_count), by protocol",
        new CounterConfiguration { LabelNames = ["protocol"] });

    private static readonly Counter Deliveries = Metrics.CreateCounter(
        "actormta_deliveries_total", "Outbound recipient outcomes (delivered, deferred, bounced, expired), by site, provider and egress source",
        new CounterConfiguration { LabelNames = ["outcome", "site", "provider", "source"] });

    private static readonly Gauge OpenSessions = Metrics.CreateGauge(
        "actormta_sessions", "Open client sessions, by protocol", new GaugeConfiguration { LabelNames = ["protocol"] });

    private static readonly Gauge OpenOutbound = Metrics.CreateGauge(
        "actormta_outbound_connections", "Open (or opening) outbound delivery connections");

    private static readonly Counter DnsLookups = Metrics.CreateCounter(
        "actormta_dns_mx_lookups_total", "MX lookups sent to the resolver (not cache hits), by result: ok, temporary (deferred), permanent",
        new CounterConfiguration { LabelNames = ["result"] });

    // From a millisecond (a warm group commit) to 10 s (a stalled disk or database).
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.001, 2, 14);

    private static readonly Histogram JournalWrites = Metrics.CreateHistogram(
        "actormta_journal_write_seconds", "Time from a batch of entity events handed to the journal to its write confirmed",
        new HistogramConfiguration { Buckets = LatencyBuckets });

    private static readonly Histogram SpoolCommits = Metrics.CreateHistogram(
        "actormta_spool_commit_seconds", "Time to make a received message's content durable (fsync or database commit)",
        new HistogramConfiguration { Buckets = LatencyBuckets });

    private static readonly Gauge QueuedMessages = Metrics.CreateGauge(
        "actormta_queue_messages", "Messages waiting in the domain queues this node holds");

    public static void DnsLookup(string result) => DnsLookups.WithLabels(result).Inc();

    public static void JournalWrite(TimeSpan took) => JournalWrites.Observe(took.TotalSeconds);

    /// <summary>Awaits a content commit and records how long it took.</summary>
    public static async Task<T> TimedSpoolCommit<T>(Task<T> commit)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await commit.ConfigureAwait(false);
        SpoolCommits.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private static readonly Gauge ShardEntities = Metrics.CreateGauge(
        "actormta_shard_entities", "Sharded entities alive on this node, by kind (domain_queue, mailbox, greylist)",
        new GaugeConfiguration { LabelNames = ["kind"] });

    /// <summary>An entity of <paramref name="kind"/> started (+1) or stopped (-1) on this node.</summary>
    public static void EntityAlive(string kind, int delta) => ShardEntities.WithLabels(kind).Inc(delta);

    public static void QueueChanged(int delta)
    {
        if (delta != 0) QueuedMessages.Inc(delta);
    }

    public static void Received(string protocol) => MessagesReceived.WithLabels(protocol).Inc();

    /// <param name="site">Null before a lookup (or with shaping off): "none". <paramref name="provider"/>: "none" when no rule matched.</param>
    public static void Delivery(string outcome, string? site, string? provider, string? source, long count)
    {
        if (count > 0) Deliveries.WithLabels(outcome, site ?? "none", provider ?? "none", source ?? "default").Inc(count);
    }

    public static void SessionOpened(string protocol) => OpenSessions.WithLabels(protocol).Inc();

    public static void SessionClosed(string protocol) => OpenSessions.WithLabels(protocol).Dec();

    public static void OutboundOpened() => OpenOutbound.Inc();

    public static void OutboundClosed() => OpenOutbound.Dec();
}
