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
