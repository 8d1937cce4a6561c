using System.Globalization;
using System.Text.Json.Nodes;
using ActorMTA.Server.Cluster;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Admin;

// The pbm-like part of ctl: cluster membership changes, where shards and entities live, the actor tree.
public sealed partial class AdminCommands
{
    /// <summary>
    /// A member's address as ctl takes it: the full form (akka.tcp://actormta@10.0.0.12:4053) or just HOST:PORT,
    /// which is completed with this node's protocol and system name.
    /// </summary>
    private Address ParseMember(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            try { return Address.Parse(text); }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException) { throw new AdminException($"not a member address: {text}"); }
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new AdminException($"not a member address: {text} (give HOST:PORT or akka.tcp://actormta@HOST:PORT)");
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        return new Address(self.Protocol, self.System, text[..colon], port);
    }

    private Task<AdminResult> ClusterChange(string addressText, string change)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var address = ParseMember(addressText);
        var known = cluster.State.Members.Any(m => m.Address == address);
        switch (change)
        {
            case "leave" when known:
                cluster.Leave(address);
                break;
            case "down" when known:
                cluster.Down(address);
                break;
            case "join":
                cluster.Join(address);
                break;
            default:
                throw new AdminException($"{address} is not a member of this cluster (see ctl cluster show)");
        }
        return Task.FromResult(new AdminResult($"{address}: {change} requested\n", new JsonObject { ["address"] = address.ToString(), ["requested"] = change }));
    }

    private Task<AdminResult> DownUnreachable()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        // Members already down are on their way out: nothing to request for them again.
        var unreachable = cluster.State.Unreachable.Where(m => m.Status != Akka.Cluster.MemberStatus.Down).Select(m => m.Address).ToList();
        foreach (var address in unreachable) cluster.Down(address);
        var text = unreachable.Count == 0 ? "no unreachable members\n" : string.Concat(unreachable.Select(a => $"{a}: down requested\n"));
        return Task.FromResult(new AdminResult(text, new JsonArray(unreachable.Select(a => (JsonNode)a.ToString()).ToArray())));
    }

    private async Task<AdminResult> ShardRegionsSummary()
    {
        var rows = new List<IReadOnlyList<string>>();
        var data = new JsonArray();
        foreach (var type in RegionNames)
        {
            var perNode = await RegionStatsPerNode(type);
            var answered = perNode.Where(n => n.Stats is not null).Select(n => n.Stats!).ToList();
            var shards = answered.Sum(r => r.Stats.Count);
            var entities = answered.Sum(r => r.Stats.Values.Sum());
            rows.Add([type, perNode.Count.ToString(CultureInfo.InvariantCulture), shards.ToString(CultureInfo.InvariantCulture),
                entities.ToString(CultureInfo.InvariantCulture) + (answered.Count < perNode.Count ? $" ({perNode.Count - answered.Count} nodes did not answer)" : "")]);
            data.Add(new JsonObject { ["region"] = type, ["nodes"] = perNode.Count, ["answered"] = answered.Count, ["shards"] = shards, ["entities"] = entities });
        }
        return new AdminResult(TextTable.Render(["REGION", "NODES", "SHARDS", "ENTITIES"], rows), data);
    }

    /// <summary>
    /// Which node hosts an entity: its shard comes from the same extractor the region uses; the shard's home from the
    /// coordinator's view (every region's shards); "live" from that node's region state. A shard nobody hosts yet
    /// is allocated by the next message to it.
    /// </summary>
    private async Task<AdminResult> ShardLocate(string regionName, string entityId)
    {
        var type = RegionName(regionName);
        var id = EntityMessageExtractor<object>.Normalize(entityId);
        var shardId = new EntityMessageExtractor<object>(regions.ShardCount, _ => id).ShardId(id);
        var home = (await RegionStatsPerNode(type)).Where(r => r.Stats?.Stats.ContainsKey(shardId) == true).Select(r => r.Node).FirstOrDefault();
        var live = false;
        if (home is not null)
        {
            var state = await RegionOn(home, type)
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
            live = state.Shards.Any(s => s.ShardId == shardId && s.EntityIds.Contains(id));
        }
        var node = home?.ToString() ?? "-";
        var text = $"{type} {id}: shard {shardId}, node {(home is null ? "none (allocated on first use)" : node)}, {(live ? "live" : "not running")}\n";
        return new AdminResult(text, new JsonObject
        {
            ["region"] = type, ["entity"] = id, ["shard"] = shardId, ["node"] = home?.ToString(), ["live"] = live,
        });
    }

    private async Task<AdminResult> ActorTree(string[] args)
    {
        var depth = 3;
        string? root = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--depth")
            {
                if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out depth) || depth is < 1 or > 10)
                    throw new AdminException("--depth needs a number from 1 to 10");
            }
            else root = args[i];
        }
        var roots = root is null ? new[] { "/user", "/system" } : [root.StartsWith('/') ? root : "/" + root];
        var lines = new List<string>();
        var data = new JsonArray();
        foreach (var path in roots)
        {
            var found = await ActorTreeWalker.WalkAsync(system, path, depth, AskTimeout);
            if (found.Count == 0) throw new AdminException($"no actor at {path}");
            foreach (var (actorPath, level) in found)
            {
                lines.Add(new string(' ', 2 * level) + (level == 0 ? actorPath : actorPath[(actorPath.LastIndexOf('/') + 1)..]));
                data.Add(new JsonObject { ["path"] = actorPath, ["depth"] = level });
            }
        }
        return new AdminResult(string.Join("\n", lines) + "\n", data);
    }
}
