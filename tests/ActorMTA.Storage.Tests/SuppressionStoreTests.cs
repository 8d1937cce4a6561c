using System.Diagnostics;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Suppression;

namespace ActorMTA.Storage.Tests;

/// <summary>The suppression table and the server's in-memory list over a real SQLite file.</summary>
public sealed class SuppressionStoreTests : IDisposable
{
    private static readonly DateTime Created = new(2026, 12, 1, 10, 30, 15, DateTimeKind.Utc);
    private readonly TempDirectory _dir = new();

    private AccountStoreLocation Location => AccountStoreLocation.Sqlite(_dir.Combine("suppression.db"));

    public void Dispose() => _dir.Dispose();

    private static SuppressionEntry Entry(string address, string tenant = "", DateTime? expires = null, SuppressionSource source = SuppressionSource.Manual) =>
        new(address, tenant, "test", source, Created, expires);

    [Theory]
    [InlineData("Bob@Example.COM", "bob@example.com")]
    [InlineData("  Bob.Smith+Tag@EXAMPLE.org ", "bob.smith+tag@example.org")]
    [InlineData("user@xn--bcher-kva.example", "user@bücher.example")]
    [InlineData("\"Odd Name\"@Example.com", "\"odd name\"@example.com")]
    public void Addresses_are_normalized_local_part_and_domain_lower_cased(string input, string expected) =>
        Assert.Equal(expected, SuppressionAddress.Normalize(input));

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("us er@example.com")]
    [InlineData("user@bad_domain.example")]
    public void Bad_addresses_are_refused_with_the_address_in_the_message(string input)
    {
        var e = Assert.Throws<SuppressionException>(() => SuppressionAddress.Normalize(input));
        Assert.Contains($"'{input}'", e.Message);
    }

    [Theory]
    [InlineData("Bob@Example.COM")]
    [InlineData("bob@example.com.")]
    [InlineData(" BOB@EXAMPLE.COM ")]
    [InlineData("user+Tag@Sub.Example.com")]
    [InlineData("x@xn--bcher-kva.example")]
    [InlineData("x@BÜCHER.example")]
    [InlineData("\"Odd Name\"@Example.com")]
    public async Task Lookups_meet_stored_entries_whatever_the_case_or_form_of_the_address(string asWritten)
    {
        var stored = SuppressionAddress.Normalize(asWritten);
        using var list = new SuppressionList(Location);
        await list.AddAsync([Entry(stored)]);
        Assert.True(list.IsSuppressed(asWritten));
        Assert.True(list.IsSuppressed(asWritten.ToUpperInvariant().Replace("XN--BCHER-KVA", "xn--bcher-kva")));
        Assert.True(list.IsSuppressed(stored));
        Assert.False(list.IsSuppressed("other" + stored));
    }

    [Fact]
    public void Add_find_list_and_delete_use_the_normalized_address_and_tenant()
    {
        using var store = new SuppressionStore(Location);
        store.Add([Entry("Bob@Example.COM"), Entry("carol@example.com", "Acme")]);
        Assert.Equal("bob@example.com", store.Find("BOB@example.com")!.Address);
        Assert.Null(store.Find("bob@example.com", "acme")); // global, not acme's
        Assert.Equal("acme", store.Find("carol@example.com", " ACME ")!.Tenant);
        Assert.Equal(["bob@example.com"], store.List("").Select(e => e.Address));
        Assert.Equal(2, store.List().Count());
        Assert.True(store.Delete("bob@EXAMPLE.com"));
        Assert.False(store.Delete("bob@example.com"));
        Assert.Null(store.Find("bob@example.com"));
    }

    [Fact]
    public void Adding_an_address_again_replaces_its_entry()
    {
        using var store = new SuppressionStore(Location);
        store.Add([Entry("bob@example.com")]);
        store.Add([new SuppressionEntry("bob@example.com", "", "second", SuppressionSource.Bounce, Created.AddDays(1))]);
        var entry = Assert.Single(store.List());
        Assert.Equal(("second", SuppressionSource.Bounce, Created.AddDays(1)), (entry.Reason, entry.Source, entry.CreatedUtc));
    }

    [Fact]
    public async Task Lookup_sees_global_entries_for_every_tenant_and_tenant_entries_for_that_tenant_only()
    {
        using (var store = new SuppressionStore(Location))
            store.Add([Entry("global@example.com"), Entry("acme-only@example.com", "acme")]);
        using var list = new SuppressionList(Location);
        Assert.True(list.IsSuppressed("GLOBAL@example.com"));
        Assert.True(list.IsSuppressed("global@example.com", "other"));
        Assert.False(list.IsSuppressed("acme-only@example.com"));
        Assert.False(list.IsSuppressed("acme-only@example.com", "other"));
        Assert.True(list.IsSuppressed("acme-only@example.com", "Acme"));
        Assert.False(list.IsSuppressed("nobody@example.com", "acme"));
        Assert.Equal("acme", (await list.FindAsync("acme-only@example.com", "acme"))!.Tenant);
        Assert.Null(await list.FindAsync("acme-only@example.com"));
    }

    [Fact]
    public async Task AddAsync_is_visible_to_lookups_when_it_completes_and_is_stored()
    {
        using var list = new SuppressionList(Location);
        Assert.False(list.IsSuppressed("bounced@example.com"));
        await list.AddAsync([SuppressionEntry.Automatic("Bounced@Example.com", null, SuppressionSource.Bounce, "550 5.1.1 user unknown")]);
        Assert.True(list.IsSuppressed("bounced@example.com"));
        using var store = new SuppressionStore(Location);
        var stored = store.Find("bounced@example.com")!;
        Assert.Equal((SuppressionSource.Bounce, "550 5.1.1 user unknown", (DateTime?)null), (stored.Source, stored.Reason, stored.ExpiresUtc));
        // Refreshing must keep what this process added (it is in the database now).
        await list.RefreshIfChangedAsync();
        Assert.True(list.IsSuppressed("bounced@example.com"));
    }

    [Fact]
    public async Task Concurrent_AddAsync_calls_all_land()
    {
        using var list = new SuppressionList(Location);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => list.AddAsync([SuppressionEntry.Automatic($"u{i}@example.com", i % 2 == 0 ? null : "t", SuppressionSource.Complaint, "fbl")]))));
        Assert.All(Enumerable.Range(0, 50), i => Assert.True(list.IsSuppressed($"u{i}@example.com", "t")));
        using var store = new SuppressionStore(Location);
        Assert.Equal(50, store.Count());
    }

    [Fact]
    public async Task Changes_by_another_connection_are_seen_after_a_refresh()
    {
        using var list = new SuppressionList(Location);
        using var cli = new SuppressionStore(Location);
        cli.Add([Entry("later@example.com")]);
        Assert.False(list.IsSuppressed("later@example.com"));
        Assert.True(await list.RefreshIfChangedAsync());
        Assert.True(list.IsSuppressed("later@example.com"));
        Assert.False(await list.RefreshIfChangedAsync());
        cli.Delete("later@example.com");
        Assert.True(await list.RefreshIfChangedAsync());
        Assert.False(list.IsSuppressed("later@example.com"));
    }

    [Fact]
    public async Task Expired_entries_count_as_absent_and_are_purged()
    {
        var now = DateTime.UtcNow;
        using (var store = new SuppressionStore(Location))
            store.Add([Entry("expired@example.com", expires: now.AddMinutes(-1)), Entry("later@example.com", expires: now.AddHours(1)), Entry("forever@example.com")]);
        using var list = new SuppressionList(Location);
        Assert.False(list.IsSuppressed("expired@example.com"));
        Assert.Null(await list.FindAsync("expired@example.com"));
        Assert.True(list.IsSuppressed("later@example.com"));
        Assert.True(list.IsSuppressed("forever@example.com"));
        await list.AddAsync([SuppressionEntry.Automatic("short@example.com", null, SuppressionSource.Bounce, "x", TimeSpan.FromMilliseconds(1))]);
        await Task.Delay(20);
        Assert.False(list.IsSuppressed("short@example.com"));
        Assert.Equal(2, await list.PurgeExpiredAsync());
        using var check = new SuppressionStore(Location);
        Assert.Equal(["forever@example.com", "later@example.com"], check.List().Select(e => e.Address));
    }

    [Fact]
    public void Csv_export_and_import_round_trip_exactly_with_quoting()
    {
        var entries = new[]
        {
            new SuppressionEntry("a@example.com", "", "plain", SuppressionSource.Bounce, Created, null),
            new SuppressionEntry("b@example.com", "acme", "550 5.1.1 \"no\", such user", SuppressionSource.Complaint, Created.AddTicks(1234567), Created.AddDays(30)),
            new SuppressionEntry("c@example.com", "acme", "two\nlines", SuppressionSource.Import, Created, null),
        };
        var first = new StringWriter();
        SuppressionCsv.Write(first, entries);
        var read = SuppressionCsv.Read(new StringReader(first.ToString()), "x.csv", DateTime.UtcNow).ToList();
        Assert.Equal(entries, read);
        var second = new StringWriter();
        SuppressionCsv.Write(second, read);
        Assert.Equal(first.ToString(), second.ToString());
    }

    [Theory]
    [InlineData("address,tenant,reason,source,created,expires\nok@example.com,,r,manual,,\nbad-address,,r,manual,,\n", "f.csv:3: not a valid address: 'bad-address'")]
    [InlineData("address,tenant,reason,source,created,expires\nok@example.com,,r,weird,,\n", "f.csv:2: unknown source 'weird'")]
    [InlineData("address,tenant,reason,source,created,expires\nok@example.com,,r,manual,yesterday,\n", "f.csv:2: bad created time 'yesterday'")]
    [InlineData("address,tenant,reason,source,created,expires\nok@example.com,,r\n", "f.csv:2: expected 6 fields")]
    [InlineData("email\nok@example.com\n", "f.csv:1: the first line must be the header")]
    public void Bad_csv_lines_are_named_by_line_number(string csv, string expected)
    {
        var e = Assert.Throws<SuppressionException>(() => SuppressionCsv.Read(new StringReader(csv), "f.csv", DateTime.UtcNow).ToList());
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void A_bulk_import_of_100000_entries_is_one_transaction_of_seconds()
    {
        var entries = Enumerable.Range(0, 100_000).Select(i => Entry($"user{i}@domain{i % 100}.example", i % 3 == 0 ? "acme" : "")).ToList();
        var clock = Stopwatch.StartNew();
        using (var store = new SuppressionStore(Location))
        {
            store.Add(entries);
            Assert.Equal(100_000, store.Count());
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"100,000 rows took {clock.Elapsed}");
        using var list = new SuppressionList(Location);
        Assert.Equal(100_000, list.Count);
        Assert.True(list.IsSuppressed("user99998@domain98.example")); // global (99998 % 3 != 0)
        Assert.True(list.IsSuppressed("user99@domain99.example", "acme"));
        Assert.False(list.IsSuppressed("user100000@domain0.example"));
    }
}
