namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A token bucket for a <see cref="ShapingRate"/> that allows only a small burst: it holds at most
/// <see cref="Capacity"/> tokens, enough for 50 ms at the rate (at least one). A provider measures a rate over
/// seconds or minutes; a bucket as deep as the rate itself would let a whole second's worth out at once after a
/// quiet spell and then the next second's, twice the limit inside one second. Owned by one actor.
/// </summary>
public sealed class RateBucket
{
    private static readonly TimeSpan BurstWindow = TimeSpan.FromMilliseconds(50);

    private readonly ShapingRate _rate;
    private double _tokens;
    private DateTimeOffset _updated;

    public RateBucket(ShapingRate rate, DateTimeOffset now)
    {
        _rate = rate;
        Capacity = rate.IsUnlimited ? int.MaxValue : Math.Max(1, (int)Math.Floor(rate.PerSecond * BurstWindow.TotalSeconds));
        _tokens = Capacity;
        _updated = now;
    }

    public ShapingRate Rate => _rate;

    public int Capacity { get; }

    /// <summary>Whether no token has been taken lately (the bucket is full again).</summary>
    public bool Full(DateTimeOffset now)
    {
        Refill(now);
        return _rate.IsUnlimited || _tokens >= Capacity;
    }

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens; returns how many it got.</summary>
    public int Take(int wanted, DateTimeOffset now)
    {
        if (_rate.IsUnlimited) return wanted;
        Refill(now);
        var taken = Math.Min(wanted, (int)Math.Floor(_tokens));
        _tokens -= taken;
        return taken;
    }

    /// <summary>Gives back tokens taken but not used (another limit refused what they were for).</summary>
    public void Return(int tokens)
    {
        if (_rate.IsUnlimited || tokens <= 0) return;
        _tokens = Math.Min(Capacity, _tokens + tokens);
    }

    /// <summary>How long until the next whole token; zero when one is there.</summary>
    public TimeSpan UntilNextToken(DateTimeOffset now)
    {
        if (_rate.IsUnlimited) return TimeSpan.Zero;
        Refill(now);
        if (_tokens >= 1) return TimeSpan.Zero;
        // Rounded up to a whole tick: TimeSpan.FromSeconds truncates, so 1/7 s would come back a fraction of a tick
        // short, the token not yet whole at that time, and the next answer zero with no token there.
        return TimeSpan.FromTicks((long)Math.Ceiling((1 - _tokens) / _rate.PerSecond * TimeSpan.TicksPerSecond));
    }

    private void Refill(DateTimeOffset now)
    {
        if (_rate.IsUnlimited) return;
        var elapsed = now - _updated;
        _updated = now;
        if (elapsed <= TimeSpan.Zero) return;
        _tokens = Math.Min(Capacity, _tokens + elapsed.TotalSeconds * _rate.PerSecond);
    }
}
