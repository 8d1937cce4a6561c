using System.Collections.Concurrent;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// Thread-safe per-domain cache of resolutions, each kept until its own expiry. Stored host lists keep
/// preference order unshuffled; the resolver shuffles on every read.
/// </summary>
internal sealed class MxResolutionCache
{
    // Expired entries are only dropped when read, so every so many inserts a sweep removes the ones
    // nobody asked for again (domains seen once would otherwise stay forever).
    private const int SetsBetweenSweeps = 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private int _setsSinceSweep;

    public MxResolutionCache(TimeProvider time) => _time = time;

    public int Count => _entries.Count;

    public bool TryGet(string domain, out MxResolution resolution)
    {
        if (_entries.TryGetValue(domain, out var entry))
        {
            if (entry.ExpiresAt > _time.GetUtcNow())
            {
                resolution = entry.Resolution;
                return true;
            }
            _entries.TryRemove(new KeyValuePair<string, Entry>(domain, entry));
        }
        resolution = null!;
        return false;
    }

    public void Set(string domain, MxResolution resolution, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            _entries.TryRemove(domain, out _);
            return;
        }
        var now = _time.GetUtcNow();
        _entries[domain] = new Entry(resolution, now + ttl);
        if (Interlocked.Increment(ref _setsSinceSweep) >= SetsBetweenSweeps)
        {
            Interlocked.Exchange(ref _setsSinceSweep, 0);
            Sweep(now);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var pair in _entries)
            if (pair.Value.ExpiresAt <= now)
                _entries.TryRemove(pair);
    }

    private sealed record Entry(MxResolution Resolution, DateTimeOffset ExpiresAt);
}
