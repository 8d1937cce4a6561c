using System.Collections.Concurrent;
using System.Net;

namespace ActorMTA.Server.Net;

/// <summary>
/// Counts open connections of one protocol across its listeners, in total and per client address,
/// so one client cannot take all the slots. Lock-free: listeners on several threads share it.
/// </summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    /// <summary>Open connections from which on the node counts as under stress; int.MaxValue: never.</summary>
    public int StressThreshold { get; init; } = int.MaxValue;

    /// <summary>So many connections are open that sessions get the shorter stress deadlines (Postfix's
    /// stress-adaptive smtpd_timeout): slow clients then free their slots for others sooner.</summary>
    public bool UnderStress => Total >= StressThreshold;

    /// <summary>A limiter whose stress threshold is <paramref name="stressFraction"/> of <paramref name="maxTotal"/>
    /// (a fraction of 1 or more, or 0 or less: never under stress).</summary>
    public static ConnectionLimiter WithStressAt(int maxTotal, int maxPerAddress, double stressFraction) =>
        new(maxTotal, maxPerAddress)
        {
            StressThreshold = stressFraction is > 0 and < 1 ? Math.Max(1, (int)Math.Ceiling(maxTotal * stressFraction)) : int.MaxValue,
        };

    public bool TryAcquire(IPAddress address)
    {
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }
        var count = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (count > maxPerAddress)
        {
            Release(address);
            return false;
        }
        return true;
    }

    public void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        while (_perAddress.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, n))
                       : _perAddress.TryUpdate(address, n - 1, n))
                return;
        }
    }
}
