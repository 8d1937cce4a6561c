namespace ActorMTA.Server.Greylisting;

/// <summary>
/// What a Greylist entity knows of its client network: the triplets and the network's count of passed deliveries.
/// Changed only by applying events, so that recovery rebuilds exactly what was decided. Holds at most
/// max-triplets-per-network triplets: a new one beyond that pushes out the oldest pending triplet (a spammer that
/// never retries fills the network with those), or, with none pending, the passed one whose last pass is oldest.
/// </summary>
public sealed class GreylistState
{
    private readonly record struct Key(string Sender, string Recipient);

    private sealed class Entry(GreylistTriplet triplet, LinkedListNode<Key> node)
    {
        public GreylistTriplet Triplet { get; set; } = triplet;
        public LinkedListNode<Key> Node { get; set; } = node;
    }

    private readonly Dictionary<Key, Entry> _entries = new();
    // Both in the order of their timestamps (events come in time order), so the oldest is always First: eviction is O(1).
    private readonly LinkedList<Key> _pending = new();
    private readonly LinkedList<Key> _passed = new();
    private readonly int _maxTriplets;

    public GreylistState(int maxTriplets)
    {
        if (maxTriplets < 1) throw new ArgumentOutOfRangeException(nameof(maxTriplets), "max-triplets-per-network must be at least 1");
        _maxTriplets = maxTriplets;
    }

    public int Count => _entries.Count;

    public int PendingCount => _pending.Count;

    /// <summary>Passed deliveries counted toward auto-whitelisting (whether it is still current depends on <see cref="LastPass"/>).</summary>
    public int PassCount { get; private set; }

    /// <summary>The network's last passed delivery (or whitelist refresh).</summary>
    public DateTimeOffset? LastPass { get; private set; }

    public GreylistTriplet? Find(string sender, string recipient) =>
        _entries.TryGetValue(new Key(sender, recipient), out var entry) ? entry.Triplet : null;

    public IEnumerable<GreylistTriplet> Triplets => _pending.Concat(_passed).Select(k => _entries[k].Triplet);

    public void Apply(IGreylistEvent @event)
    {
        switch (@event)
        {
            case GreylistTripletSeen seen:
                Put(new GreylistTriplet(seen.Sender, seen.Recipient, seen.At, null));
                break;
            case GreylistTripletPassed passed:
                var firstSeen = Find(passed.Sender, passed.Recipient)?.FirstSeen ?? passed.At;
                Put(new GreylistTriplet(passed.Sender, passed.Recipient, firstSeen, passed.At));
                PassCount = passed.PassCount;
                LastPass = passed.At;
                break;
            case GreylistWhitelistRefreshed refreshed:
                LastPass = refreshed.At;
                break;
            default:
                throw new ArgumentException($"not a greylist event: {@event.GetType().Name}", nameof(@event));
        }
    }

    /// <summary>Drops the triplets <paramref name="expired"/> says are over; with <paramref name="countExpired"/> the pass count restarts too.</summary>
    public int Prune(Func<GreylistTriplet, bool> expired, bool countExpired)
    {
        var gone = _entries.Values.Where(e => expired(e.Triplet)).ToList();
        foreach (var entry in gone) Remove(entry);
        if (countExpired)
        {
            PassCount = 0;
            LastPass = null;
        }
        return gone.Count;
    }

    public GreylistSnapshot ToSnapshot() => new(Triplets.ToArray(), PassCount, LastPass);

    public static GreylistState FromSnapshot(GreylistSnapshot snapshot, int maxTriplets)
    {
        var state = new GreylistState(maxTriplets) { PassCount = snapshot.PassCount, LastPass = snapshot.LastPass };
        foreach (var triplet in snapshot.Triplets) state.Put(triplet);
        return state;
    }

    /// <summary>Adds or replaces a triplet at the young end of its list, then evicts beyond the bound.</summary>
    private void Put(GreylistTriplet triplet)
    {
        var key = new Key(triplet.Sender, triplet.Recipient);
        if (_entries.TryGetValue(key, out var existing)) Remove(existing);
        var node = (triplet.HasPassed ? _passed : _pending).AddLast(key);
        _entries[key] = new Entry(triplet, node);
        while (_entries.Count > _maxTriplets)
        {
            // Never the triplet just put: its first attempt must be remembered for its retry to pass.
            var victim = _pending.First is { } pending && pending != node ? pending
                : _passed.First is { } passed && passed != node ? passed
                : null;
            if (victim is null) break;
            Remove(_entries[victim.Value]);
        }
    }

    private void Remove(Entry entry)
    {
        entry.Node.List!.Remove(entry.Node);
        _entries.Remove(entry.Node.Value);
    }
}
