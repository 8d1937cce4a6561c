using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ActorMTA.LoadTests.Metrics;

/// <summary>Error counts by key (`451 4.3.0`, `421 4.7.0`, `connect-refused`, `timeout`, `io`, …), thread-safe.</summary>
internal sealed class ErrorCounter
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(string code)
    {
        var box = _counts.GetOrAdd(code, static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
        Interlocked.Increment(ref _total);
    }

    /// <summary>Counts by key, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
        _counts.Select(kv => KeyValuePair.Create(kv.Key, Interlocked.Read(ref kv.Value.Value)))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
}
