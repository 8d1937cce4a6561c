using ActorMTA.Storage.Accounts;

namespace ActorMTA.Storage.Tests;

public sealed class AccountCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly AccountDirectory _cli;
    private readonly AccountCache _cache;

    public AccountCacheTests()
    {
        // The server's cache and the CLI's directory are separate connections, as in two processes.
        _cli = new AccountDirectory(_temp.Combine("accounts.db"), AccountDirectoryTests.FastOptions);
        _cli.AddDomain("local.test");
        _cli.AddUser("alice@local.test", "alice-pw");
        _cache = new AccountCache(_temp.Combine("accounts.db"), AccountDirectoryTests.FastOptions);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _cli.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Snapshot_answers_lookups_case_insensitively()
    {
        var snapshot = _cache.Current;
        Assert.True(snapshot.IsLocalDomain("LOCAL.test"));
        Assert.False(snapshot.IsLocalDomain("remote.test"));
        Assert.False(snapshot.IsLocalDomain("not a domain"));
        Assert.True(snapshot.UserExists("Alice@Local.Test"));
        Assert.False(snapshot.UserExists("bob@local.test"));
        Assert.False(snapshot.UserExists("garbage"));
        Assert.True(snapshot.TryGetPasswordHash("ALICE@local.test", out var hash));
        Assert.StartsWith("pbkdf2-sha256$", hash);
    }

    [Fact]
    public async Task VerifyAsync_answers_as_Verify_and_a_login_seen_before_without_hashing()
    {
        Assert.False(await _cache.VerifyAsync("alice@local.test", "wrong"));
        Assert.False(await _cache.VerifyAsync("nobody@local.test", "alice-pw"));
        Assert.False(await _cache.VerifyAsync("malformed", "alice-pw"));
        Assert.Equal(0, _cache.VerifyCacheHits);

        Assert.True(await _cache.VerifyAsync("alice@local.test", "alice-pw"));
        Assert.Equal(0, _cache.VerifyCacheHits);
        Assert.True(await _cache.VerifyAsync("ALICE@local.test", "alice-pw"));
        Assert.Equal(1, _cache.VerifyCacheHits);
        Assert.False(await _cache.VerifyAsync("alice@local.test", "ALICE-PW"));
    }

    [Fact]
    public async Task Many_concurrent_VerifyAsync_calls_all_get_their_own_answer()
    {
        var checks = Enumerable.Range(0, 40)
            .Select(i => _cache.VerifyAsync("alice@local.test", i % 2 == 0 ? "alice-pw" : $"wrong-{i}"))
            .ToArray();
        var answers = await Task.WhenAll(checks);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i % 2 == 0), answers);
    }

    [Fact]
    public void Verify_accepts_the_right_password_only()
    {
        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.True(_cache.Verify("ALICE@LOCAL.TEST", "alice-pw"));
        Assert.False(_cache.Verify("alice@local.test", "wrong"));
        Assert.False(_cache.Verify("alice@local.test", "ALICE-PW"));
        Assert.False(_cache.Verify("nobody@local.test", "alice-pw"));
        Assert.False(_cache.Verify("malformed", "alice-pw"));
    }

    [Fact]
    public void Nothing_changes_without_a_commit_by_another_connection()
    {
        Assert.False(_cache.RefreshIfChanged());
        Assert.False(_cache.RefreshIfChanged());
    }

    [Fact]
    public void Changes_by_the_cli_appear_after_RefreshIfChanged()
    {
        var before = _cache.Current;

        _cli.AddDomain("new.test");
        _cli.AddUser("carol@new.test", "carol-pw");
        _cli.DeleteUser("alice@local.test");

        Assert.Same(before, _cache.Current); // snapshots are immutable until a refresh
        Assert.True(_cache.RefreshIfChanged());
        var after = _cache.Current;
        Assert.True(after.IsLocalDomain("new.test"));
        Assert.True(after.UserExists("carol@new.test"));
        Assert.False(after.UserExists("alice@local.test"));
        Assert.True(before.UserExists("alice@local.test"));
        Assert.True(_cache.Verify("carol@new.test", "carol-pw"));
        Assert.False(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.False(_cache.RefreshIfChanged());
    }

    [Fact]
    public void Repeated_successful_logins_are_served_from_the_verify_cache()
    {
        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.Equal(0, _cache.VerifyCacheHits);

        Assert.True(_cache.Verify("Alice@local.test", "alice-pw"));
        Assert.Equal(1, _cache.VerifyCacheHits);

        // A wrong password must never be answered from the cache.
        Assert.False(_cache.Verify("alice@local.test", "alice-pw2"));
        Assert.Equal(1, _cache.VerifyCacheHits);
    }

    [Fact]
    public void Password_change_invalidates_the_verify_cache()
    {
        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        var hits = _cache.VerifyCacheHits;

        _cli.SetPassword("alice@local.test", "changed-pw");
        Assert.True(_cache.RefreshIfChanged());

        Assert.False(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.Equal(hits, _cache.VerifyCacheHits);
        Assert.True(_cache.Verify("alice@local.test", "changed-pw"));
        Assert.Equal(hits, _cache.VerifyCacheHits);
    }

    [Fact]
    public void Verify_cache_is_keyed_by_the_stored_hash_even_without_a_refresh_clearing_it()
    {
        // Setting the same password again gives a new salt, hence a new stored hash: old entries cannot match.
        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        _cli.SetPassword("alice@local.test", "alice-pw");
        Assert.True(_cache.RefreshIfChanged());
        var hits = _cache.VerifyCacheHits;

        Assert.True(_cache.Verify("alice@local.test", "alice-pw"));
        Assert.Equal(hits, _cache.VerifyCacheHits);
    }

    [Fact]
    public async Task Verify_is_safe_to_call_concurrently_with_refreshes()
    {
        var stop = false;
        var verifier = Task.Run(() =>
        {
            var (calls, failures) = (0, 0);
            do
            {
                calls++;
                failures += _cache.Verify("alice@local.test", "alice-pw") ? 0 : 1;
            } while (!Volatile.Read(ref stop));
            return (calls, failures);
        });
        for (var i = 0; i < 20; i++)
        {
            _cli.AddUser($"user{i}@local.test", "pw");
            _cache.RefreshIfChanged();
        }
        Volatile.Write(ref stop, true);

        var (calls, failures) = await verifier;
        Assert.True(calls > 0);
        Assert.Equal(0, failures);
        Assert.Equal(21, _cache.Current.UserCount);
    }

    [Fact]
    public void A_cache_on_a_new_database_starts_empty()
    {
        using var empty = new AccountCache(_temp.Combine("fresh", "accounts.db"), AccountDirectoryTests.FastOptions);
        Assert.Equal(0, empty.Current.UserCount);
        Assert.Empty(empty.Current.Domains);
    }
}
