namespace ActorMTA.Server.Delivery;

/// <summary>
/// Messages-per-minute throttle of one queue partition: a bucket of <c>perMinute</c> tokens refilled evenly
/// over a minute; one token per message handed to an agent. 0 = unlimited. Owned by one actor.
/// </summary>
public sealed class TokenBucket
{
    private readonly int _perMinute;
    private double _tokens;
    private DateTimeOffset _updated;

    public TokenBucket(int perMinute, DateTimeOffset now)
    {
        _perMinute = perMinute;
        _tokens = perMinute;
        _updated = now;
    }

    public bool Unlimited => _perMinute <= 0;

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens; returns how many it got.</summary>
    public int Take(int wanted, DateTimeOffset now)
    {
        if (Unlimited) return wanted;
        Refill(now);
        var taken = Math.Min(wanted, (int)Math.Floor(_tokens));
        _tokens -= taken;
        return taken;
    }

    /// <summary>When the next whole token is there.</summary>
    public DateTimeOffset NextTokenAt(DateTimeOffset now)
    {
        if (Unlimited) return now;
        Refill(now);
        if (_tokens >= 1) return now;
        return now + TimeSpan.FromMinutes((1 - _tokens) / _perMinute);
    }

    private void Refill(DateTimeOffset now)
    {
        var elapsed = now - _updated;
        _updated = now;
        if (elapsed <= TimeSpan.Zero) return;
        _tokens = Math.Min(_perMinute, _tokens + elapsed.TotalMinutes * _perMinute);
    }
}
