using System.Text.Json.Nodes;

namespace ActorMTA.Server.Admin;

public sealed partial class AdminCommands
{
    private Task<AdminResult> SpamStats()
    {
        if (Checks is not { Settings.Enabled: true } checks)
            return Task.FromResult(new AdminResult("spam checks are off (actormta.spam.enabled)\n", new JsonObject { ["enabled"] = false }));
        var counts = checks.Counters.Snapshot();
        var rows = counts.Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value.ToString(global::System.Globalization.CultureInfo.InvariantCulture)]).ToList();
        var data = new JsonObject { ["enabled"] = true };
        foreach (var (name, count) in counts) data[name] = count;
        return Task.FromResult(new AdminResult(TextTable.Render(["COUNTER", "COUNT"], rows), data));
    }
}
