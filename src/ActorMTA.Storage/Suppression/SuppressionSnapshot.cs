namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The whole list as lookups need it, immutable once built: the 64-bit <see cref="SuppressionKey"/> of every entry
/// in a HashSet (about 20 bytes an entry: 8 of key, 4 of hash code and next index, 4 of bucket, plus the
/// set's spare capacity; 1,000,000 entries take roughly 20-25 MB), and the expiry of the few entries that have
/// one beside it. Read by any number of threads at once.
/// </summary>
public sealed class SuppressionSnapshot
{
    private readonly HashSet<ulong> _keys;
    private readonly Dictionary<ulong, long> _expiresTicks;

    public static SuppressionSnapshot Empty { get; } = new([], []);

    private SuppressionSnapshot(HashSet<ulong> keys, Dictionary<ulong, long> expiresTicks)
    {
        _keys = keys;
        _expiresTicks = expiresTicks;
    }

    public int Count => _keys.Count;

    internal static SuppressionSnapshot Build(IEnumerable<(ulong Key, DateTime? ExpiresUtc)> rows, int capacityHint = 0)
    {
        var keys = new HashSet<ulong>(capacityHint);
        var expires = new Dictionary<ulong, long>();
        foreach (var (key, expiresUtc) in rows)
        {
            keys.Add(key);
            if (expiresUtc is { } e) expires[key] = e.Ticks;
        }
        return new SuppressionSnapshot(keys, expires);
    }

    /// <summary>True when the key is listed and not expired at <paramref name="nowTicks"/> (UTC ticks).</summary>
    internal bool Contains(ulong key, long nowTicks) =>
        _keys.Contains(key) && (_expiresTicks.Count == 0 || !_expiresTicks.TryGetValue(key, out var expires) || expires > nowTicks);
}
