using System.Globalization;
using System.Text.Json.Nodes;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Routing;
using ActorMTA.Storage.Accounts;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Admin;

/// <summary>What `actormta ctl` can ask a running node. Runs outside actors: it only asks them.</summary>
public sealed partial class AdminCommands(ActorSystem system, ShardRegions regions, AccountCache accounts, RecipientRouter router)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    // Shorter than AskTimeout: the coordinator then answers with the regions that replied (an unreachable node's
    // region does not), instead of the whole command timing out.
    private static readonly TimeSpan RegionQueryTimeout = TimeSpan.FromSeconds(4);

    public ActorSystem System => system;

    /// <summary>This node's DNS resolver in one line ("dns: …"), shown by <c>cluster show</c>; null: not shown.</summary>
    public Func<string>? DnsStatus { get; init; }

    /// <summary>This node's inbound checks, for <c>spam stats</c>; null: the checks are off.</summary>
    public Checks.InboundChecks? Checks { get; init; }

    /// <summary>Names the bounce category of a queued message's last result (queue show).</summary>
    public Protocol.Bounces.BounceClassifier Bounces { get; init; } = Protocol.Bounces.BounceClassifier.Fallback;

    private string? CategoryOf(string? lastResult) => lastResult is null ? null : Bounces.ClassifyDiagnostic(lastResult).ToString();

    /// <summary>The suppression list, for `ctl suppression reload`; null: off.</summary>
    public ActorMTA.Storage.Suppression.SuppressionList? Suppression { get; init; }

    public const string Usage = """
        ctl cluster show                         members of the cluster, and this node's DNS resolver
        ctl cluster leave ADDRESS                a member leaves gracefully (its shards are handed over)
        ctl cluster down ADDRESS                 mark a member down (use for a node that is gone for good)
        ctl cluster down-unreachable             mark every unreachable member down
        ctl cluster join ADDRESS                 make this node join the cluster of ADDRESS
        ctl cluster tail                         membership and reachability events as they happen (Ctrl-C ends)
        ctl shards regions                       the shard regions and their entities in the cluster
        ctl shards stats [REGION]                shard regions: shards and entities per node
        ctl shards locate REGION ENTITY-ID       the shard of an entity, the node hosting it, and whether it is live
        ctl actors tree [PATH] [--depth N]       this node's live actor hierarchy (default /user and /system, depth 3)
        ctl queue list                           every domain queue on every node: pending, deferred, next attempt, suspended
        ctl queue list --by site                 the same summed by site (the MX hosts domains share) with their domains
        ctl queue show DOMAIN                    the messages of one queue with their last results
        ctl queue suspend|resume|flush DOMAIN    stop / restart / retry-now delivery for a domain
        ctl queue bounce DOMAIN|MESSAGE-ID       fail queued mail with a bounce to the sender
        ctl queue delete MESSAGE-ID              drop a queued message without a bounce
        ctl mailbox stats ADDRESS                folders, messages and bytes of a mailbox
        ctl spam stats                           this node's verdict counts since start (deliver, junk, reject, tempfail,
                                                 greylist, early talkers, blocklisted clients) and SPF/DKIM/DMARC results
        ctl shaping show DOMAIN [--source NAME]  DOMAIN's MX hosts, site, provider, source and pool, and its effective limits
                                                 with where each comes from (default, provider, domain, automation)
        ctl site suspend SITE [--for 1h] [--source NAME]
                                                 no new connections or messages to SITE (MX hosts, comma-separated, as
                                                 shaping show prints it, or a provider's name) from any node
        ctl site resume SITE [--source NAME]     end every automation action on SITE (suspension, lowered limits)
        ctl metrics                              this node's actormta_* figures, as GET /metrics has them
        ctl top [--interval 1s] [--count N]      the same figures live: rates, queue, sessions, latencies (Ctrl-C ends)
        ctl webhooks                             this node's webhook endpoints: events delivered, lag (age of the oldest
                                                 event not yet accepted), consecutive failures, last success and error
        ctl accounts reload                      read changed users, domains and aliases now (the CLI does this itself)
        ctl suppression reload                   read a changed suppression list now (the CLI does this itself)
        """;

    public Task<AdminResult> ExecuteAsync(string[] args) => (args.ElementAtOrDefault(0), args.ElementAtOrDefault(1)) switch
    {
        ("cluster", "show") => ClusterShow(),
        ("cluster", "leave") => ClusterChange(Arg(args, 2, "ADDRESS"), "leave"),
        ("cluster", "down") => ClusterChange(Arg(args, 2, "ADDRESS"), "down"),
        ("cluster", "down-unreachable") => DownUnreachable(),
        ("cluster", "join") => ClusterChange(Arg(args, 2, "ADDRESS"), "join"),
        ("shards", "regions") => ShardRegionsSummary(),
        ("shards", "stats") => ShardStats(args.ElementAtOrDefault(2)),
        ("shards", "locate") => ShardLocate(Arg(args, 2, "REGION"), Arg(args, 3, "ENTITY-ID")),
        ("actors", "tree") => ActorTree(args.Skip(2).ToArray()),
        ("queue", "list") => args.ElementAtOrDefault(2) switch
        {
            null => QueueList(),
            "--by" when args.ElementAtOrDefault(3) == "site" => QueueListBySite(),
            _ => throw new AdminException("queue list takes no argument but --by site"),
        },
        ("queue", "show") => QueueShow(Arg(args, 2, "DOMAIN")),
        ("queue", "suspend") => QueueControl(Arg(args, 2, "DOMAIN"), id => new SuspendQueue(id)),
        ("queue", "resume") => QueueControl(Arg(args, 2, "DOMAIN"), id => new ResumeQueue(id)),
        ("queue", "flush") => QueueControl(Arg(args, 2, "DOMAIN"), id => new FlushQueue(id)),
        ("queue", "bounce") => QueueBounce(Arg(args, 2, "DOMAIN or MESSAGE-ID")),
        ("queue", "delete") => QueueDelete(Arg(args, 2, "MESSAGE-ID")),
        ("mailbox", "stats") => MailboxStats(Arg(args, 2, "ADDRESS")),
        ("accounts", "reload") => AccountsReload(),
        ("suppression", "reload") => SuppressionReload(),
        ("spam", "stats") => SpamStats(),
        ("shaping", "show") => ShapingShow(args.Skip(2).ToArray()),
        ("site", "suspend") => SiteSuspend(args.Skip(2).ToArray()),
        ("site", "resume") => SiteResume(args.Skip(2).ToArray()),
        ("metrics", null) => MetricsSnapshot(),
        ("webhooks", null) => Webhooks(),
        _ => throw new AdminException("unknown ctl command; commands:\n" + Usage),
    };

    /// <summary>This node's actormta_* series as /metrics has them (whether or not the endpoint is on); `ctl top` polls it.</summary>
    private static async Task<AdminResult> MetricsSnapshot()
    {
        var series = await Observability.MetricsText.ActorMtaSeriesAsync();
        var data = new JsonObject();
        foreach (var (name, value) in series) data[name] = value;
        return new AdminResult(string.Concat(series.Select(s => $"{s.Key} {s.Value.ToString(CultureInfo.InvariantCulture)}\n")), data);
    }

    private static string Arg(string[] args, int i, string what) =>
        i < args.Length ? args[i] : throw new AdminException($"missing {what}");

    private Task<AdminResult> ClusterShow()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var members = cluster.State.Members.OrderBy(m => m.Address.ToString()).ToList();
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).ToHashSet();
        var version = typeof(AdminCommands).Assembly.GetName().Version?.ToString() ?? "-";
        var rows = members.Select(m => (IReadOnlyList<string>)[m.Address.ToString(), m.Status.ToString(),
            unreachable.Contains(m.Address) ? "unreachable" : "reachable", string.Join(",", m.Roles),
            string.Join(" ", new[] { m.Address == cluster.SelfAddress ? "self" : "", cluster.State.Leader == m.Address ? "leader" : "" }.Where(x => x.Length > 0))]).ToList();
        var data = new JsonArray(members.Select(m => (JsonNode)new JsonObject
        {
            ["address"] = m.Address.ToString(), ["status"] = m.Status.ToString(),
            ["reachable"] = !unreachable.Contains(m.Address),
            ["roles"] = new JsonArray(m.Roles.Select(r => (JsonNode)r).ToArray()),
            ["leader"] = cluster.State.Leader == m.Address,
            ["self"] = m.Address == cluster.SelfAddress,
        }).ToArray());
        var text = TextTable.Render(["ADDRESS", "STATUS", "REACHABILITY", "ROLES", ""], rows) + $"version: ActorMTA {version}\n";
        if (DnsStatus?.Invoke() is { } dns) text = text.TrimEnd('\n') + "\n" + dns + "\n";
        return Task.FromResult(new AdminResult(text, data));
    }

    private static readonly string[] RegionNames = [ShardRegions.MailboxTypeName, ShardRegions.DomainQueueTypeName, ShardRegions.GreylistTypeName];

    private static string RegionName(string name) => RegionNames.Contains(name)
        ? name
        : throw new AdminException($"unknown shard region '{name}' (regions: {string.Join(", ", RegionNames)})");

    private async Task<AdminResult> ShardStats(string? only)
    {
        var data = new JsonObject();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var type in only is null ? RegionNames : [RegionName(only)])
        {
            var nodes = new JsonObject();
            foreach (var (address, regionStats) in await RegionStatsPerNode(type))
            {
                var node = address.ToString();
                if (regionStats is null)
                {
                    nodes[node] = new JsonObject { ["shards"] = null, ["entities"] = null, ["answered"] = false };
                    rows.Add([type, node, "?", "? (no answer)"]);
                    continue;
                }
                var entities = regionStats.Stats.Values.Sum();
                nodes[node] = new JsonObject { ["shards"] = regionStats.Stats.Count, ["entities"] = entities, ["answered"] = true };
                rows.Add([type, node, regionStats.Stats.Count.ToString(CultureInfo.InvariantCulture), entities.ToString(CultureInfo.InvariantCulture)]);
            }
            data[type] = nodes;
        }
        return new AdminResult(TextTable.Render(["REGION", "NODE", "SHARDS", "ENTITIES"], rows), data);
    }

    /// <summary>
    /// Each member's own count of its shards and entities, asked of its region directly, so that an unreachable
    /// member (a node just killed) shows as unanswered instead of making the whole answer time out.
    /// </summary>
    private async Task<IReadOnlyList<(Address Node, ShardRegionStats? Stats)>> RegionStatsPerNode(string type)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var members = cluster.State.Members.Where(m => m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.Leaving)
            .OrderBy(m => m.Address.ToString()).ToList();
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).ToHashSet();
        var answers = await Task.WhenAll(members.Select(async member =>
        {
            if (unreachable.Contains(member.Address)) return null;
            try
            {
                return await RegionOn(member.Address, type)
                    .Ask<ShardRegionStats>(GetShardRegionStats.Instance, RegionQueryTimeout);
            }
            catch (AskTimeoutException) { return null; }
        }));
        return members.Select((m, i) => (m.Address, answers[i])).ToList();
    }

    /// <summary>The shard region of <paramref name="type"/> on one member (to ask it directly, not through the coordinator).</summary>
    private ActorSelection RegionOn(Address node, string type) => system.ActorSelection(new RootActorPath(node) / "system" / "sharding" / type);

    /// <summary>Every live domain-queue entity on every node (queues holding mail are always live: remembered).</summary>
    private async Task<IReadOnlyList<string>> QueueIds() => (await LiveEntities(ShardRegions.DomainQueueTypeName)).Keys.ToList();

    /// <summary>The live entities of a region on every Up member, each with the member hosting it, sorted by id.</summary>
    private async Task<SortedDictionary<string, Address>> LiveEntities(string region)
    {
        var ids = new SortedDictionary<string, Address>(StringComparer.Ordinal);
        var cluster = Akka.Cluster.Cluster.Get(system);
        var members = cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).ToList();
        var states = await Task.WhenAll(members.Select(member =>
            RegionOn(member.Address, region)
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout)));
        for (var i = 0; i < members.Count; i++)
        {
            foreach (var shard in states[i].Shards)
                foreach (var id in shard.EntityIds) ids[id] = members[i].Address;
        }
        return ids;
    }

    private Task<QueueStatus> Status(string queueName) =>
        regions.DomainQueue.Ask<QueueStatus>(new GetQueueStatus(queueName), AskTimeout);

    /// <summary>A domain's queue may be split in partitions domain#0..N-1: a domain name means all of them.</summary>
    private async Task<IReadOnlyList<string>> PartitionsOf(string domain)
    {
        domain = domain.ToLowerInvariant();
        var ids = (await QueueIds()).Where(id => id == domain || id.StartsWith(domain + "#", StringComparison.Ordinal)).ToList();
        return ids.Count > 0 ? ids : [domain];
    }

    private async Task<AdminResult> QueueList()
    {
        var live = await LiveEntities(ShardRegions.DomainQueueTypeName);
        var statuses = await Task.WhenAll(live.Keys.Select(Status));
        string NodeOf(QueueStatus s) => live.TryGetValue(s.QueueName, out var node) ? node.ToString() : "-";
        var rows = statuses.Select(s => (IReadOnlyList<string>)[
            s.QueueName, s.Pending.ToString(CultureInfo.InvariantCulture), s.Deferred.ToString(CultureInfo.InvariantCulture),
            s.NextAttemptAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-", s.Suspended ? "yes" : "no", NodeOf(s)]).ToList();
        var data = new JsonArray(statuses.Select(s => (JsonNode)new JsonObject
        {
            ["queue"] = s.QueueName, ["pending"] = s.Pending, ["deferred"] = s.Deferred,
            ["next_attempt"] = s.NextAttemptAt?.ToString("o", CultureInfo.InvariantCulture), ["suspended"] = s.Suspended,
            ["node"] = NodeOf(s),
        }).ToArray());
        return new AdminResult(TextTable.Render(["QUEUE", "PENDING", "DEFERRED", "NEXT ATTEMPT", "SUSPENDED", "NODE"], rows), data);
    }

    /// <summary>`ctl queue list --by site`: what waits for each site, over every domain queue that sends there.</summary>
    private async Task<AdminResult> QueueListBySite()
    {
        var live = await LiveEntities(ShardRegions.DomainQueueTypeName);
        var statuses = await Task.WhenAll(live.Keys.Select(Status));
        const string Unknown = "(not looked up yet)";
        var sites = statuses.GroupBy(s => s.Site ?? Unknown)
            .Select(g => (Site: g.Key, Queues: g.Select(s => s.QueueName).Order(StringComparer.Ordinal).ToList(), Pending: g.Sum(s => s.Pending),
                Deferred: g.Sum(s => s.Deferred), Next: g.Min(s => s.NextAttemptAt)))
            .OrderByDescending(g => g.Pending).ThenBy(g => g.Site, StringComparer.Ordinal).ToList();
        var rows = sites.Select(g => (IReadOnlyList<string>)[
            g.Site, g.Queues.Count.ToString(CultureInfo.InvariantCulture), g.Pending.ToString(CultureInfo.InvariantCulture),
            g.Deferred.ToString(CultureInfo.InvariantCulture), g.Next?.ToString("u", CultureInfo.InvariantCulture) ?? "-", string.Join(" ", g.Queues)]).ToList();
        var data = new JsonArray(sites.Select(g => (JsonNode)new JsonObject
        {
            ["site"] = g.Site == Unknown ? null : g.Site, ["queues"] = new JsonArray(g.Queues.Select(q => (JsonNode)q).ToArray()),
            ["pending"] = g.Pending, ["deferred"] = g.Deferred, ["next_attempt"] = g.Next?.ToString("o", CultureInfo.InvariantCulture),
        }).ToArray());
        return new AdminResult(TextTable.Render(["SITE", "QUEUES", "PENDING", "DEFERRED", "NEXT ATTEMPT", "DOMAINS"], rows), data);
    }

    private async Task<AdminResult> QueueShow(string domain)
    {
        var statuses = await Task.WhenAll((await PartitionsOf(domain)).Select(Status));
        var entries = statuses.SelectMany(s => s.Entries.Select(e => (s.QueueName, e))).OrderBy(x => x.e.QueuedAt).ToList();
        var rows = entries.Select(x => (IReadOnlyList<string>)[
            x.e.QueueId, x.QueueName, "<" + x.e.ReversePath + ">", string.Join(",", x.e.Recipients), x.e.Size.ToString(CultureInfo.InvariantCulture),
            x.e.Pool ?? EgressPool.DefaultName, x.e.Attempts.ToString(CultureInfo.InvariantCulture), x.e.NextAttemptAt.ToString("u", CultureInfo.InvariantCulture),
            CategoryOf(x.e.LastResult) ?? "-", x.e.LastResult ?? "-"]).ToList();
        var data = new JsonObject
        {
            ["domain"] = domain,
            ["suspended"] = statuses.Any(s => s.Suspended),
            ["messages"] = new JsonArray(entries.Select(x => (JsonNode)new JsonObject
            {
                ["queue_id"] = x.e.QueueId, ["queue"] = x.QueueName, ["from"] = x.e.ReversePath,
                ["recipients"] = new JsonArray(x.e.Recipients.Select(r => (JsonNode)r).ToArray()),
                ["size"] = x.e.Size, ["pool"] = x.e.Pool ?? EgressPool.DefaultName, ["queued_at"] = x.e.QueuedAt.ToString("o", CultureInfo.InvariantCulture),
                ["attempts"] = x.e.Attempts, ["next_attempt"] = x.e.NextAttemptAt.ToString("o", CultureInfo.InvariantCulture),
                ["last_result"] = x.e.LastResult,
                ["last_result_category"] = CategoryOf(x.e.LastResult),
            }).ToArray()),
        };
        var header = $"queue {domain}: {entries.Count} messages{(statuses.Any(s => s.Suspended) ? ", suspended" : "")}\n";
        return new AdminResult(header + TextTable.Render(["MESSAGE-ID", "QUEUE", "FROM", "TO", "SIZE", "POOL", "ATTEMPTS", "NEXT ATTEMPT", "CATEGORY", "LAST RESULT"], rows), data);
    }

    private async Task<AdminResult> QueueControl(string domain, Func<string, IDomainQueueCommand> command)
    {
        var done = await Task.WhenAll((await PartitionsOf(domain)).Select(id =>
            regions.DomainQueue.Ask<QueueControlDone>(command(id), AskTimeout)));
        var affected = done.Sum(d => d.Affected);
        return new AdminResult($"{domain}: ok ({affected} messages affected)\n", new JsonObject { ["domain"] = domain, ["affected"] = affected });
    }

    /// <summary>A message id is found by asking every queue; anything else is taken as a domain.</summary>
    private async Task<(string QueueName, QueuedDelivery Entry)?> FindMessage(string queueId)
    {
        foreach (var status in await Task.WhenAll((await QueueIds()).Select(Status)))
        {
            var entry = status.Entries.FirstOrDefault(e => e.QueueId == queueId);
            if (entry is not null) return (status.QueueName, entry);
        }
        return null;
    }

    private async Task<AdminResult> QueueBounce(string target)
    {
        if (target.Contains('.') || target.Contains('#'))
            return await QueueControl(target, id => new BounceQueued(id, null, "Message bounced by the administrator"));
        var found = await FindMessage(target) ?? throw new AdminException($"no queued message {target}");
        var done = await regions.DomainQueue.Ask<QueueControlDone>(new BounceQueued(found.QueueName, target, "Message bounced by the administrator"), AskTimeout);
        return new AdminResult($"{target}: bounced ({done.Affected})\n", new JsonObject { ["queue_id"] = target, ["queue"] = found.QueueName, ["affected"] = done.Affected });
    }

    private async Task<AdminResult> QueueDelete(string queueId)
    {
        var found = await FindMessage(queueId) ?? throw new AdminException($"no queued message {queueId}");
        var done = await regions.DomainQueue.Ask<QueueControlDone>(new DeleteQueued(found.QueueName, queueId), AskTimeout);
        return new AdminResult($"{queueId}: deleted ({done.Affected})\n", new JsonObject { ["queue_id"] = queueId, ["queue"] = found.QueueName, ["affected"] = done.Affected });
    }

    /// <summary>
    /// `user|domain|alias` commands call this after writing, so that the change is in effect when they return.
    /// Runs on the admin endpoint's connection task, not on an actor: one SQLite read when something changed.
    /// </summary>
    private Task<AdminResult> AccountsReload()
    {
        var changed = accounts.RefreshIfChanged();
        var current = accounts.Current;
        return Task.FromResult(new AdminResult(
            $"accounts {(changed ? "reloaded" : "unchanged")}: {current.Domains.Count} domains, {current.UserCount} users, {current.AliasCount} aliases\n",
            new JsonObject { ["reloaded"] = changed, ["domains"] = current.Domains.Count, ["users"] = current.UserCount, ["aliases"] = current.AliasCount }));
    }

    /// <summary>After `actormta suppression add|del|import`: the list is read again before the command returns.</summary>
    private async Task<AdminResult> SuppressionReload()
    {
        if (Suppression is not { } list)
            return new AdminResult("suppression list is off (actormta.suppression.enabled)\n", new JsonObject { ["reloaded"] = false, ["enabled"] = false });
        var changed = await list.RefreshIfChangedAsync();
        return new AdminResult($"suppression list {(changed ? "reloaded" : "unchanged")}: {list.Count} entries\n",
            new JsonObject { ["reloaded"] = changed, ["enabled"] = true, ["entries"] = list.Count });
    }

    private async Task<AdminResult> MailboxStats(string address)
    {
        var stats = await regions.Mailbox.Ask<MailboxStats>(new GetMailboxStats(router.MailboxOf(address)), AskTimeout);
        var rows = stats.Folders.Select(f => (IReadOnlyList<string>)[f.Folder, f.Messages.ToString(CultureInfo.InvariantCulture), f.Bytes.ToString(CultureInfo.InvariantCulture),
            f.UidValidity.ToString(CultureInfo.InvariantCulture), f.UidNext.ToString(CultureInfo.InvariantCulture)]).ToList();
        var data = new JsonObject
        {
            ["address"] = stats.Address,
            ["folders"] = new JsonArray(stats.Folders.Select(f => (JsonNode)new JsonObject
            {
                ["folder"] = f.Folder, ["messages"] = f.Messages, ["bytes"] = f.Bytes, ["uidvalidity"] = f.UidValidity, ["uidnext"] = f.UidNext,
            }).ToArray()),
        };
        return new AdminResult(TextTable.Render(["FOLDER", "MESSAGES", "BYTES", "UIDVALIDITY", "UIDNEXT"], rows), data);
    }
}
