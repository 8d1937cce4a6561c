using System.Collections.Concurrent;
using ActorMTA.Storage.Accounts;

namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The server's suppression list: lock-free, allocation-free lookups (<see cref="IsSuppressed"/>) on an in-memory
/// <see cref="SuppressionSnapshot"/> plus the entries this process added since that snapshot was built, and the
/// one thread-safe way to add entries (<see cref="AddAsync"/>, for the delivery path's hard bounces and complaints).
/// The CLI changes the table through its own <see cref="SuppressionStore"/> and then asks the running server to
/// call <see cref="RefreshIfChangedAsync"/> (so the change is in effect when the command returns); a timer
/// (actormta.suppression.refresh-interval) calls it too, for other nodes' and processes' changes. Every database
/// call runs on the thread pool, one at a time; none blocks the caller.
/// </summary>
public sealed class SuppressionList : IDisposable
{
    // Added by this process since the snapshot: key → expiry ticks (long.MaxValue: never). Folded into the next snapshot.
    private readonly ConcurrentDictionary<ulong, long> _added = new();
    // How many _added holds, kept apart: ConcurrentDictionary's IsEmpty and Count take all its locks when it is empty.
    private int _addedCount;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SuppressionStore _store;
    private SuppressionSnapshot _snapshot;
    private long _version;

    public SuppressionList(AccountStoreLocation location, SuppressionOptions? options = null)
    {
        Options = options ?? new SuppressionOptions();
        _store = new SuppressionStore(location, Options);
        _version = _store.ReadVersion();
        _snapshot = Load();
    }

    public SuppressionOptions Options { get; }

    /// <summary>Entries in the current snapshot (expired ones not yet purged included) plus those added since.</summary>
    public int Count => Volatile.Read(ref _snapshot).Count + Volatile.Read(ref _addedCount);

    /// <summary>
    /// True when mail to <paramref name="address"/> is refused: listed globally or, when <paramref name="tenant"/> is
    /// given, for that tenant, and not expired. A hash lookup or two; an address that cannot be normalized is not listed.
    /// </summary>
    public bool IsSuppressed(string address, string? tenant = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Volatile.Read(ref _addedCount) == 0 && Volatile.Read(ref _snapshot).Count == 0) return false;
        var now = DateTime.UtcNow.Ticks;
        var trimmed = address.AsSpan().Trim();
        var tenantKey = string.IsNullOrWhiteSpace(tenant) ? null : SuppressionAddress.NormalizeTenantOrEmpty(tenant);
        // Nearly every recipient is plain ASCII: hashed as it stands, no string made (IDN normalization costs microseconds).
        if (SuppressionAddress.IsPlainAscii(trimmed))
            return Contains(SuppressionKey.OfPlainAscii(SuppressionAddress.Global, trimmed), now)
                || (tenantKey is not null && Contains(SuppressionKey.OfPlainAscii(tenantKey, trimmed), now));
        if (!SuppressionAddress.TryNormalize(address, out var normalized)) return false;
        return Contains(SuppressionKey.Of(SuppressionAddress.Global, normalized), now)
            || (tenantKey is not null && Contains(SuppressionKey.Of(tenantKey, normalized), now));
    }

    private bool Contains(ulong key, long now) =>
        (Volatile.Read(ref _addedCount) > 0 && _added.TryGetValue(key, out var expires) && expires > now) || Volatile.Read(ref _snapshot).Contains(key, now);

    /// <summary>
    /// The entry that refuses mail to the address (the tenant's or the global one, not expired), read from the
    /// database to confirm a <see cref="IsSuppressed"/> hit and give its reason; null when there is none.
    /// </summary>
    public async Task<SuppressionEntry?> FindAsync(string address, string? tenant = null)
    {
        var now = DateTime.UtcNow;
        return await WithStoreAsync(store =>
        {
            if (!string.IsNullOrWhiteSpace(tenant) && store.Find(address, SuppressionAddress.NormalizeTenantOrEmpty(tenant)) is { } own && !own.IsExpiredAt(now))
                return own;
            return store.Find(address) is { } global && !global.IsExpiredAt(now) ? global : null;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the entries (insert or replace, one transaction) and makes them visible to lookups; when the task
    /// completes both are done. Thread-safe, never blocks the caller: callable from a Task or an actor's PipeTo.
    /// Throws <see cref="SuppressionException"/> for a bad address, a DbException when the database refuses.
    /// </summary>
    public async Task AddAsync(IReadOnlyList<SuppressionEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        await WithStoreAsync(store =>
        {
            var before = store.ReadVersion();
            var added = store.Add(entries);
            foreach (var e in added)
                if (_added.TryAdd(SuppressionKey.Of(e.Tenant, e.Address), e.ExpiresUtc?.Ticks ?? long.MaxValue)) Interlocked.Increment(ref _addedCount);
                else _added[SuppressionKey.Of(e.Tenant, e.Address)] = e.ExpiresUtc?.Ticks ?? long.MaxValue;
            // PostgreSQL raises the version on our own writes too: when only ours came in between, it is nothing to reload.
            var after = store.ReadVersion();
            if (_version == before && after == before + 1) _version = after;
            return 0;
        }).ConfigureAwait(false);
    }

    /// <summary>Rebuilds the snapshot when another connection (the CLI, another node) committed since the last check; true when it did.</summary>
    public Task<bool> RefreshIfChangedAsync() => WithStoreAsync(store =>
    {
        // Version first: a commit landing between the two reads is seen again next time, never missed.
        var version = store.ReadVersion();
        if (version == _version) return false;
        Reload(version);
        return true;
    });

    /// <summary>Deletes expired entries from the database and the snapshot; returns how many were deleted.</summary>
    public Task<int> PurgeExpiredAsync() => WithStoreAsync(store =>
    {
        var removed = store.PurgeExpired(DateTime.UtcNow);
        if (removed > 0) Reload(store.ReadVersion());
        return removed;
    });

    // Under the gate. Every entry added so far is in the database, so the new snapshot has them all.
    private void Reload(long version)
    {
        var snapshot = Load();
        Volatile.Write(ref _snapshot, snapshot);
        _added.Clear();
        Volatile.Write(ref _addedCount, 0);
        _version = version;
    }

    private SuppressionSnapshot Load() => SuppressionSnapshot.Build(_store.ReadKeys(), (int)Math.Min(int.MaxValue, _store.Count()));

    private async Task<T> WithStoreAsync<T>(Func<SuppressionStore, T> work)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(() => work(_store)).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Wait();
        _store.Dispose();
    }
}
