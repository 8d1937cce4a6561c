using System.Net;
using System.Net.Sockets;

namespace ActorMTA.Server.Greylisting;

/// <summary>What a Greylist decision records: the reply, and the event to persist before sending it (null: nothing changes).</summary>
public readonly record struct GreylistDecision(GreylistVerdict Verdict, IGreylistEvent? Event);

/// <summary>
/// The greylisting rules, without actors or I/O. A triplet is (client network, sender, recipient): the first attempt is
/// deferred; retries before <see cref="GreylistSettings.Delay"/> are deferred again without restarting the wait; a retry
/// after the delay and within <see cref="GreylistSettings.RetryWindow"/> of the first attempt passes, and the triplet
/// then passes at once for <see cref="GreylistSettings.PassTtl"/> after its last pass. A retry too late starts over.
/// After <see cref="GreylistSettings.AutoWhitelistAfter"/> passed deliveries a whole network skips greylisting for as
/// long as it keeps sending within pass-ttl. Networks rather than addresses, because large senders retry from
/// another address of the same pool.
/// </summary>
public sealed class GreylistPolicy(GreylistSettings settings, TimeProvider clock)
{
    /// <summary>The auto-whitelist answer used in <see cref="GreylistVerdict.Detail"/>.</summary>
    public const string AutoWhitelisted = "auto";

    // A whitelisted network's mail refreshes its whitelisting at most this often: writing every RCPT of a big sender to
    // the journal would cost more than the check, and an hour is nothing against a 35-day pass-ttl.
    private static readonly TimeSpan MaxRefreshInterval = TimeSpan.FromHours(1);

    public GreylistSettings Settings => settings;

    private TimeSpan RefreshInterval => settings.PassTtl / 2 < MaxRefreshInterval ? settings.PassTtl / 2 : MaxRefreshInterval;

    /// <summary>The client's network in CIDR form ("192.0.2.0/24", "2001:db8:1:2::/64"): the Greylist entity id.</summary>
    public string NetworkOf(IPAddress client) => NetworkOf(client, settings.Ipv4Prefix, settings.Ipv6Prefix);

    public static string NetworkOf(IPAddress client, int ipv4Prefix, int ipv6Prefix)
    {
        var address = GreylistWhitelist.Unmapped(client);
        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? ipv4Prefix : ipv6Prefix;
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        // Rebuilt from bytes: drops an IPv6 scope id, which would split one network into several keys.
        return new IPNetwork(new IPAddress(bytes), prefix).ToString();
    }

    /// <summary>
    /// Lower-cased, without angle brackets; the null sender ("&lt;&gt;", "", null) is "". Addresses are compared whole:
    /// a local part differing only in case is the same mailbox to every real MTA, and greylisting a second time for it
    /// would only delay mail.
    /// </summary>
    public static string Normalize(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return "";
        var trimmed = address.Trim();
        if (trimmed.StartsWith('<') && trimmed.EndsWith('>')) trimmed = trimmed[1..^1].Trim();
        return trimmed.ToLowerInvariant();
    }

    public bool IsWhitelisted(GreylistState state) => IsWhitelisted(state, clock.GetUtcNow());

    /// <summary>Decides one attempt against <paramref name="state"/>; the caller persists the event and applies it.</summary>
    public GreylistDecision Decide(string network, GreylistState state, string? sender, string? recipient)
    {
        var now = clock.GetUtcNow();
        if (IsWhitelisted(state, now))
        {
            var refresh = now - state.LastPass!.Value >= RefreshInterval ? new GreylistWhitelistRefreshed(now) : null;
            return new GreylistDecision(GreylistVerdict.Whitelisted(network, AutoWhitelisted), refresh);
        }

        var from = Normalize(sender);
        var to = Normalize(recipient);
        var triplet = state.Find(from, to);
        if (triplet is null || IsExpired(triplet, now))
            return new GreylistDecision(GreylistVerdict.Defer(network, settings.Delay), new GreylistTripletSeen(from, to, now));

        if (!triplet.HasPassed)
        {
            var waited = now - triplet.FirstSeen;
            // The first-seen time stays: a client retrying every minute must still get through after the delay.
            if (waited < settings.Delay) return new GreylistDecision(GreylistVerdict.Defer(network, settings.Delay - waited), null);
        }
        return new GreylistDecision(GreylistVerdict.Pass(network), new GreylistTripletPassed(from, to, now, NextPassCount(state, now)));
    }

    /// <summary>A triplet that decides nothing any more: a new attempt starts over, so it may be forgotten.</summary>
    public bool IsExpired(GreylistTriplet triplet, DateTimeOffset now) =>
        triplet.LastPassed is { } passed ? now - passed > settings.PassTtl : now - triplet.FirstSeen > settings.RetryWindow;

    /// <summary>Forgets expired triplets (and a pass count no pass has renewed within pass-ttl). Returns how many went.</summary>
    public int Prune(GreylistState state)
    {
        var now = clock.GetUtcNow();
        return state.Prune(t => IsExpired(t, now), countExpired: state.PassCount > 0 && !IsCountCurrent(state, now));
    }

    private bool IsWhitelisted(GreylistState state, DateTimeOffset now) =>
        settings.AutoWhitelistAfter > 0 && state.PassCount >= settings.AutoWhitelistAfter && IsCountCurrent(state, now);

    private bool IsCountCurrent(GreylistState state, DateTimeOffset now) => state.LastPass is { } last && now - last <= settings.PassTtl;

    // A network silent for longer than pass-ttl earns its whitelisting anew, as postgrey's auto-whitelist-clients does.
    private int NextPassCount(GreylistState state, DateTimeOffset now)
    {
        if (!IsCountCurrent(state, now)) return 1;
        return state.PassCount == int.MaxValue ? int.MaxValue : state.PassCount + 1;
    }
}
