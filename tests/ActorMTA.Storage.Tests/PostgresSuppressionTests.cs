using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Suppression;

namespace ActorMTA.Storage.Tests;

/// <summary>
/// The suppression table on a real PostgreSQL (actormta.storage.backend = postgresql): bulk adds through arrays,
/// and two nodes' lists on one database seeing each other's additions and deletions after a refresh.
/// </summary>
public sealed class PostgresSuppressionTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly DateTime Created = new(2026, 12, 1, 10, 30, 15, DateTimeKind.Utc);

    [Fact]
    public async Task Two_nodes_share_one_list_and_a_bulk_add_is_one_transaction()
    {
        var location = AccountStoreLocation.Postgres(await fixture.NewDatabaseAsync());
        using var nodeA = new SuppressionList(location);
        using var nodeB = new SuppressionList(location);
        using var cli = new SuppressionStore(location);

        // 20,000 rows (two array statements), one of them twice: the last wins, as with rows one by one.
        var entries = Enumerable.Range(0, 20_000)
            .Select(i => new SuppressionEntry($"User{i}@Example.com", i % 4 == 0 ? "acme" : "", "r", SuppressionSource.Import, Created, i % 7 == 0 ? Created.AddYears(100) : null))
            .Append(new SuppressionEntry("user1@example.com", "", "again", SuppressionSource.Manual, Created)).ToList();
        cli.Add(entries);
        Assert.Equal(20_000, cli.Count());
        Assert.Equal("again", cli.Find("user1@example.com")!.Reason);
        Assert.Equal(Created.AddYears(100), cli.Find("user7@example.com")!.ExpiresUtc);

        Assert.True(await nodeA.RefreshIfChangedAsync());
        Assert.True(nodeA.IsSuppressed("user19999@example.com"));
        Assert.True(nodeA.IsSuppressed("user0@example.com", "acme"));
        Assert.False(nodeA.IsSuppressed("user0@example.com"));

        await nodeA.AddAsync([SuppressionEntry.Automatic("bounced@remote.example", null, SuppressionSource.Bounce, "550 5.1.1")]);
        Assert.True(nodeA.IsSuppressed("bounced@remote.example"));
        // Its own write is no reason for node A to reload; node B notices it.
        Assert.False(await nodeA.RefreshIfChangedAsync());
        Assert.True(await nodeB.RefreshIfChangedAsync());
        Assert.True(nodeB.IsSuppressed("bounced@remote.example"));

        Assert.True(cli.Delete("bounced@remote.example"));
        Assert.True(await nodeA.RefreshIfChangedAsync());
        Assert.False(nodeA.IsSuppressed("bounced@remote.example"));
    }
}
