namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Settings of the account directory and cache. The caller fills them from HOCON:
/// <c>actormta.accounts.pbkdf2-iterations</c>, <c>actormta.accounts.refresh-interval</c> (the interval of the
/// timer that calls <see cref="AccountCache.RefreshIfChanged"/>) and the alias settings (<see cref="AliasPolicy"/>).
/// </summary>
public sealed record AccountOptions(int Pbkdf2Iterations = 100_000)
{
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a writer waits for a lock held by the other process before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Successful logins remembered so repeated logins skip PBKDF2; the cache is emptied when full.</summary>
    public int VerifyCacheCapacity { get; init; } = 10_000;

    /// <summary>The primary domain, the default postmaster@/abuse@ targets and the alias depth limit.</summary>
    public AliasPolicy Aliases { get; init; } = new();

    internal void Validate()
    {
        Aliases.Validate();
        if (Pbkdf2Iterations < 1)
            throw new ArgumentOutOfRangeException(nameof(Pbkdf2Iterations), Pbkdf2Iterations, "Must be at least 1.");
        if (BusyTimeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "Must not be negative.");
        if (VerifyCacheCapacity < 0)
            throw new ArgumentOutOfRangeException(nameof(VerifyCacheCapacity), VerifyCacheCapacity, "Must not be negative.");
    }
}
