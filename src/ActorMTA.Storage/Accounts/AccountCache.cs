using System.Data.Common;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// The server's view of <c>accounts.db</c>: an immutable <see cref="AccountSnapshot"/> replaced when the CLI
/// changed the database. The CLI asks the running server to call <see cref="RefreshIfChanged"/> after each change
/// (so the change is in effect when the command returns); a timer (<c>actormta.accounts.refresh-interval</c>)
/// calls it too, for changes made without the CLI. The check is one <c>PRAGMA data_version</c> on a connection kept
/// open, which changes only when another connection committed. Thread-safe.
/// </summary>
public sealed class AccountCache : IDisposable
{
    private readonly DbConnection _connection;
    private readonly AccountOptions _options;
    private readonly VerifiedLoginCache _verified;
    private readonly string _dummyHash;
    private readonly Lock _refreshGate = new();
    // PBKDF2 computations that may run at once: all cores but one, so a flood of logins (a brute-force attack
    // over 100 connections) queues here instead of taking every core from the sessions that deliver mail.
    private readonly SemaphoreSlim _hashing = new(Math.Max(1, Environment.ProcessorCount - 1));
    private AccountSnapshot _current;
    private long _dataVersion;
    private long _verifyCacheHits;

    public AccountCache(string databasePath, AccountOptions? options = null) : this(AccountStoreLocation.Sqlite(databasePath), options)
    {
    }

    /// <param name="location">accounts.db, or the cluster's PostgreSQL (every node's cache then sees every change).</param>
    public AccountCache(AccountStoreLocation location, AccountOptions? options = null)
    {
        _options = options ?? new AccountOptions();
        _options.Validate();
        _verified = new VerifiedLoginCache(_options.VerifyCacheCapacity);
        // Unknown users are checked against this, so a wrong address takes as long as a wrong password.
        _dummyHash = PasswordHasher.Hash(Guid.NewGuid().ToString(), _options.Pbkdf2Iterations);
        _connection = AccountDatabase.Open(location, _options);
        _dataVersion = ReadDataVersion();
        _current = AccountSnapshot.Load(_connection, _options.Aliases);
    }

    public AccountSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Logins answered from the verify cache instead of PBKDF2 (for monitoring and tests).</summary>
    public long VerifyCacheHits => Interlocked.Read(ref _verifyCacheHits);

    /// <summary>Reloads the snapshot if another connection committed since the last check; true when it did.</summary>
    public bool RefreshIfChanged()
    {
        lock (_refreshGate)
        {
            // Version first: a commit landing between the two reads is then seen again next time, never missed.
            var version = ReadDataVersion();
            if (version == _dataVersion)
                return false;
            var snapshot = AccountSnapshot.Load(_connection, _options.Aliases);
            _dataVersion = version;
            Volatile.Write(ref _current, snapshot);
            // Entries for changed hashes can no longer match anyway; this just frees them.
            _verified.Clear();
            return true;
        }
    }

    /// <summary>
    /// Checks a login against the current snapshot. CPU-bound (PBKDF2) unless the same address, password and
    /// stored hash succeeded before: run it off actor threads.
    /// </summary>
    public bool Verify(string address, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!Current.TryGetPasswordHash(address, out var storedHash))
        {
            PasswordHasher.Verify(password, _dummyHash);
            return false;
        }
        AccountAddress.TryNormalize(address, out var normalized, out _);
        var key = _verified.KeyFor(normalized!, password, storedHash);
        if (_verified.Contains(key))
        {
            Interlocked.Increment(ref _verifyCacheHits);
            return true;
        }
        if (!PasswordHasher.Verify(password, storedHash))
            return false;
        _verified.Add(key);
        return true;
    }

    /// <summary>
    /// <see cref="Verify"/> off the caller's thread: a login seen before is answered at once; otherwise it waits
    /// (without holding a thread) for one of the limited PBKDF2 slots.
    /// </summary>
    public async Task<bool> VerifyAsync(string address, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (IsVerifiedBefore(address, password))
            return true;
        await _hashing.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Verify(address, password)).ConfigureAwait(false);
        }
        finally
        {
            _hashing.Release();
        }
    }

    private bool IsVerifiedBefore(string address, string password)
    {
        if (!Current.TryGetPasswordHash(address, out var storedHash) || !AccountAddress.TryNormalize(address, out var normalized, out _))
            return false;
        if (!_verified.Contains(_verified.KeyFor(normalized!, password, storedHash)))
            return false;
        Interlocked.Increment(ref _verifyCacheHits);
        return true;
    }

    public void Dispose()
    {
        lock (_refreshGate)
            _connection.Dispose();
        _hashing.Dispose();
    }

    private long ReadDataVersion() => AccountDatabase.ReadVersion(_connection);
}
