using DnsClient;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// One DnsClient <see cref="LookupClient"/> for the current <see cref="NameServers"/>, made again when the servers
/// change. Null when there is no usable server: DnsClient must never get an empty list, which it rejects with an
/// <see cref="ArgumentException"/> indistinguishable from a bad query name. Thread-safe.
/// </summary>
internal sealed class DnsClientPool(NameServers servers, Action<LookupClientOptions> configure)
{
    private Entry? _current;

    public NameServers Servers => servers;

    /// <summary>The client to query with, or null and the reason (<see cref="NameServerSet.Describe"/>) when no server is usable.</summary>
    public LookupClient? Client(out NameServerSet set)
    {
        set = servers.Current();
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Set, set)) return current.Client;
        if (!set.IsUsable) return null;
        var options = new LookupClientOptions(set.Servers.ToArray());
        configure(options);
        var client = new LookupClient(options);
        Volatile.Write(ref _current, new Entry(set, client));
        return client;
    }

    private sealed record Entry(NameServerSet Set, LookupClient Client);
}
