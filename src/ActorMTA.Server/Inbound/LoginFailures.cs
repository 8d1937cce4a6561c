using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Failed logins per client address across all sessions and protocols of the node, so a password
/// guesser gains nothing by opening a new connection for every try: each failure from an address
/// waits longer than the one before, until the address has been quiet for actormta.auth.failure-window.
/// </summary>
public sealed class LoginFailures : IExtension
{
    private const int MaxTrackedAddresses = 100_000;

    private readonly ConcurrentDictionary<IPAddress, (int Count, DateTimeOffset Last)> _byAddress = new();
    private readonly TimeSpan _window;
    private readonly int _maxCounted;

    public LoginFailures(TimeSpan window, int maxCounted)
    {
        _window = window;
        _maxCounted = maxCounted;
    }

    public static LoginFailures Get(ActorSystem system) => system.WithExtension<LoginFailures, LoginFailuresProvider>();

    /// <summary>Counts one failure and returns how many this address has in the window (capped, so the delay stays bounded).</summary>
    public int RecordFailure(IPAddress address, DateTimeOffset now)
    {
        if (_byAddress.Count > MaxTrackedAddresses) Forget(now);
        var entry = _byAddress.AddOrUpdate(address,
            _ => (1, now),
            (_, old) => (now - old.Last > _window ? 1 : Math.Min(old.Count + 1, _maxCounted), now));
        return entry.Count;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, entry) in _byAddress)
            if (now - entry.Last > _window) _byAddress.TryRemove(address, out _);
    }
}

public sealed class LoginFailuresProvider : ExtensionIdProvider<LoginFailures>
{
    public override LoginFailures CreateExtension(ExtendedActorSystem system)
    {
        var config = system.Settings.Config;
        return new LoginFailures(
            config.GetTimeSpan("actormta.auth.failure-window", TimeSpan.FromMinutes(15)),
            config.GetInt("actormta.auth.max-counted-failures", 20));
    }
}
