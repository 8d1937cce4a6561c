using System.Collections.Concurrent;
using ActorMTA.Server.Checks.Dkim;
using ActorMTA.Server.Checks.Dmarc;
using ActorMTA.Server.Checks.Spf;

namespace ActorMTA.Server.Checks;

/// <summary>Verdict counts of this node since start, for <c>actormta ctl spam stats</c>. Thread-safe.</summary>
public sealed class SpamCounters
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Increment(string name) => _counts.AddOrUpdate(name, 1, (_, n) => n + 1);

    public void Count(SpamAction action, SpfResult? spf, IReadOnlyList<DkimSignatureResult> dkim, DmarcResult? dmarc)
    {
        Increment("verdict." + action.ToString().ToLowerInvariant());
        if (spf is { } s) Increment("spf." + s.ToString().ToLowerInvariant());
        Increment("dkim." + (dkim.Count == 0 ? "none" : dkim.Any(d => d.Result == DkimResult.Pass) ? "pass" : dkim[0].Result.ToString().ToLowerInvariant()));
        if (dmarc is { } d) Increment("dmarc." + d.ToString().ToLowerInvariant());
    }

    /// <summary>Every counter, by name.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);
}
