using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Output;

namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// Compares what the server acknowledged with what arrived. Every acknowledged message is expected
/// once in the mailbox of each recipient the server accepted (or in --verify-user's mailbox). The
/// source is polled — only the mailboxes still missing something — until everything is there or
/// the timeout passes; then lost (acknowledged, never found), duplicated (found more than once) and
/// unexpected (found, never acknowledged) are counted. With --verify-delete the run's messages are
/// removed afterwards.
/// </summary>
internal sealed class Verifier(VerifyOptions options, IArrivalSource source, Action<string> report)
{
    private const int LostIdsShown = 20;

    public async Task<VerificationSummary> RunAsync(AcknowledgedLog acknowledged, CancellationToken cancel)
    {
        var started = Clock.Now;
        var expected = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entry in acknowledged.Entries)
        {
            foreach (var recipient in entry.Recipients)
            {
                var box = options.User ?? recipient;
                if (!expected.TryGetValue(box, out var ids)) expected[box] = ids = new HashSet<string>(StringComparer.Ordinal);
                ids.Add(entry.LoadId);
            }
        }
        var expectedCount = expected.Values.Sum(s => (long)s.Count);
        var latest = expected.Keys.ToDictionary(b => b, _ => new Dictionary<string, int>(StringComparer.Ordinal), StringComparer.Ordinal);
        var deadline = Clock.Add(started, options.Timeout);
        var pause = options.Method == VerifyMethod.Sink ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(1);
        var lastReport = 0L;
        var pending = expected.Keys.ToList();
        var missing = expectedCount;
        while (pending.Count > 0 && !cancel.IsCancellationRequested)
        {
            var scanned = await source.ScanAsync(pending, cancel);
            foreach (var (box, counts) in scanned)
            {
                if (latest.ContainsKey(box))
                    latest[box] = counts.Where(c => LoadIdHeader.IsOfRun(c.Key, acknowledged.RunId)).ToDictionary(StringComparer.Ordinal);
            }
            pending = expected.Where(kv => kv.Value.Any(id => !latest[kv.Key].ContainsKey(id))).Select(kv => kv.Key).ToList();
            missing = expected.Sum(kv => (long)kv.Value.Count(id => !latest[kv.Key].ContainsKey(id)));
            if (pending.Count == 0 || Clock.Now >= deadline) break;
            if (Clock.Seconds(lastReport, Clock.Now) >= 5)
            {
                lastReport = Clock.Now;
                report($"verify ({Name}): {expectedCount - missing}/{expectedCount} arrived, waiting up to {Clock.Until(deadline).TotalSeconds:F0} s more");
            }
            await Task.Delay(pause, cancel);
        }

        var lostIds = expected.SelectMany(kv => kv.Value.Where(id => !latest[kv.Key].ContainsKey(id)).Select(id => $"{id} ({kv.Key})"))
            .OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToList();
        var duplicated = latest.Sum(kv => (long)kv.Value.Count(c => c.Value > 1));
        var unexpected = latest.Sum(kv => (long)kv.Value.Keys.Count(id => !expected[kv.Key].Contains(id)));
        var waited = Clock.Seconds(started, Clock.Now);
        long deleted = 0;
        if (options.Delete) deleted = await source.DeleteAsync(expected.Keys.ToList(), cancel);
        return new VerificationSummary(Name, acknowledged.Count, expectedCount, expectedCount - lostIds.Count, lostIds.Count,
            duplicated, unexpected, Math.Round(waited, 2), deleted, lostIds.Take(LostIdsShown).ToList());
    }

    private string Name => options.Method.ToString().ToLowerInvariant();
}
