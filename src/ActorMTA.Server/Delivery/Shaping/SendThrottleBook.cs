namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>What a <see cref="SendThrottleBook{THolder}"/> granted for one request.</summary>
public readonly record struct SendGrant(int Connections, int Messages, TimeSpan RetryAfter);

/// <summary>
/// The counters of one <see cref="SendThrottle"/> entity: for each of its sites the connections every holder (a ready
/// queue, on any node) has open and the message and connection rates, and over all its sites the provider-wide
/// connection count. Limits come with each request, as the asking queue resolved them, so a configuration change
/// takes effect with the next request. Pure: the entity feeds it the clock.
/// </summary>
public sealed class SendThrottleBook<THolder> where THolder : notnull
{
    private sealed class Site(SendLimits limits, DateTimeOffset now)
    {
        public SendLimits Limits { get; private set; } = limits;
        public RateBucket Messages { get; private set; } = new(limits.MessageRate, now);
        public RateBucket Connections { get; private set; } = new(limits.ConnectionRate, now);
        public Dictionary<THolder, int> Held { get; } = new();
        public int Open => Held.Values.Sum();
        public DateTimeOffset LastNudge { get; set; } = DateTimeOffset.MinValue;

        public void Update(SendLimits limits, DateTimeOffset now)
        {
            if (limits == Limits) return;
            if (limits.MessageRate != Limits.MessageRate) Messages = new RateBucket(limits.MessageRate, now);
            if (limits.ConnectionRate != Limits.ConnectionRate) Connections = new RateBucket(limits.ConnectionRate, now);
            Limits = limits;
        }
    }

    /// <summary>When a connection limit refuses: how soon to ask again if no <see cref="SendPermitsFreed"/> comes
    /// (a holder that died without a word frees its connections only when the entity learns of it).</summary>
    public static readonly TimeSpan ConnectionRetry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Site> _sites = new(StringComparer.Ordinal);
    private readonly HashSet<THolder> _waiting = new();

    /// <summary>Connections open to <paramref name="site"/>, by every holder.</summary>
    public int Open(string site) => _sites.TryGetValue(site, out var s) ? s.Open : 0;

    /// <summary>Connections open to every site here (the provider's, when this entity is a provider's).</summary>
    public int OpenTotal => _sites.Values.Sum(s => s.Open);

    /// <summary>Nothing open and every rate at rest: the entity may go.</summary>
    public bool Idle(DateTimeOffset now) =>
        _waiting.Count == 0 && _sites.Values.All(s => s.Open == 0 && s.Messages.Full(now) && s.Connections.Full(now));

    public SendGrant Acquire(THolder holder, string site, SendLimits limits, int held, int connections, int messages, DateTimeOffset now)
    {
        var s = SiteFor(site, limits, now);
        _waiting.Remove(holder);
        if (held > 0) s.Held[holder] = held;
        else s.Held.Remove(holder);

        var room = s.Limits.ConnectionLimit - s.Open;
        if (s.Limits.ProviderConnectionLimit > 0) room = Math.Min(room, s.Limits.ProviderConnectionLimit - OpenTotal);
        var wanted = Math.Clamp(Math.Min(connections, room), 0, int.MaxValue);
        var opened = s.Connections.Take(wanted, now);
        if (opened > 0) s.Held[holder] = held + opened;

        // Messages go over connections: none for a holder that has none, or they would be spent for nothing.
        var sent = held + opened > 0 ? s.Messages.Take(Math.Max(0, messages), now) : 0;

        var retry = TimeSpan.Zero;
        if (opened < connections)
        {
            if (room <= opened) _waiting.Add(holder);
            retry = room <= opened ? ConnectionRetry : s.Connections.UntilNextToken(now);
        }
        if (sent < messages && held + opened > 0)
        {
            var next = s.Messages.UntilNextToken(now);
            retry = retry == TimeSpan.Zero ? next : TimeSpan.FromTicks(Math.Min(retry.Ticks, next.Ticks));
        }
        return new SendGrant(opened, sent, retry);
    }

    /// <summary><paramref name="count"/> of the holder's connections to the site closed. Returns the holders to tell
    /// that a connection is free (those refused one), when one is.</summary>
    public IReadOnlyCollection<THolder> Release(THolder holder, string site, int count)
    {
        if (!_sites.TryGetValue(site, out var s) || !s.Held.TryGetValue(holder, out var held)) return [];
        if (held - count > 0) s.Held[holder] = held - count;
        else s.Held.Remove(holder);
        return TakeWaiting();
    }

    /// <summary>The holder is gone (its queue stopped, its node left): whatever it held is free.</summary>
    public IReadOnlyCollection<THolder> Forget(THolder holder)
    {
        _waiting.Remove(holder);
        var freed = false;
        foreach (var s in _sites.Values) freed |= s.Held.Remove(holder);
        return freed ? TakeWaiting() : [];
    }

    /// <summary>
    /// The other holders of connections that a refused request waits for, at most once per
    /// <see cref="IdleNudgeInterval"/> per site: told, they close the connections they keep open with nothing to
    /// send (parked for mail that may come), which would otherwise hold the limit for their idle time.
    /// </summary>
    public IReadOnlyCollection<THolder> HoldersToNudge(THolder refused, string site, DateTimeOffset now)
    {
        if (!_sites.TryGetValue(site, out var s)) return [];
        // A provider-wide limit may be what refused: every site here counts.
        var holders = (s.Limits.ProviderConnectionLimit > 0 ? _sites.Values : (IEnumerable<Site>)[s])
            .SelectMany(x => x.Held.Where(h => h.Value > 0).Select(h => h.Key))
            .Where(h => !EqualityComparer<THolder>.Default.Equals(h, refused))
            .Distinct()
            .ToArray();
        if (holders.Length == 0 || now - s.LastNudge < IdleNudgeInterval) return [];
        s.LastNudge = now;
        return holders;
    }

    public static readonly TimeSpan IdleNudgeInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Connections open per site (sites with none included: they were asked for lately).</summary>
    public IEnumerable<(string Site, int Open)> OpenBySite() => _sites.Select(s => (s.Key, s.Value.Open));

    /// <summary>The holder was refused for another reason (a suspension): it is told, too, when things change.</summary>
    public void Wait(THolder holder) => _waiting.Add(holder);

    /// <summary>Whether anything is known of the holder (the entity watches the ones it is).</summary>
    public bool Knows(THolder holder) => _waiting.Contains(holder) || _sites.Values.Any(s => s.Held.ContainsKey(holder));

    /// <summary>The holders refused since the last wake-up, to tell that they may ask again; forgets them.</summary>
    public IReadOnlyCollection<THolder> TakeWaiting()
    {
        if (_waiting.Count == 0) return [];
        var waiting = _waiting.ToArray();
        _waiting.Clear();
        return waiting;
    }

    private Site SiteFor(string site, SendLimits limits, DateTimeOffset now)
    {
        if (_sites.TryGetValue(site, out var s))
        {
            s.Update(limits, now);
            return s;
        }
        return _sites[site] = new Site(limits, now);
    }
}
