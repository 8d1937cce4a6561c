namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// Smooth weighted round robin (nginx's upstream algorithm): every pick adds each member's weight to its current
/// value, takes the member with the highest (the first listed on a tie) and subtracts the total from it. Over any
/// run of picks each member gets weight/total of them within ±1, and the picks are interleaved (3:1 gives a a b a,
/// not a a a b), so a pool never sends a burst through one address. Not thread-safe: one per owning actor.
/// </summary>
public sealed class WeightedRoundRobin<T>
{
    private readonly T[] _members;
    private readonly int[] _weights;
    private readonly long[] _current;
    private readonly long _total;

    public WeightedRoundRobin(IEnumerable<(T Member, int Weight)> members)
    {
        var list = members.Where(m => m.Weight > 0).ToArray();
        if (list.Length == 0) throw new ArgumentException("needs at least one member of positive weight", nameof(members));
        _members = list.Select(m => m.Member).ToArray();
        _weights = list.Select(m => m.Weight).ToArray();
        _current = new long[list.Length];
        _total = _weights.Sum(w => (long)w);
    }

    public T Next()
    {
        var best = 0;
        for (var i = 0; i < _members.Length; i++)
        {
            _current[i] += _weights[i];
            if (_current[i] > _current[best]) best = i;
        }
        _current[best] -= _total;
        return _members[best];
    }
}
