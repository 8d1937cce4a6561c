using System.Security.Cryptography;
using ActorMTA.Storage.Content;
using ActorMTA.TestSupport;
using Npgsql;

namespace ActorMTA.Storage.Tests;

/// <summary>A real PostgreSQL for the test class (started from Debian's package on a free loopback port).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL not started");

    public Task<string> NewDatabaseAsync() => Server.CreateDatabaseAsync("content" + Interlocked.Increment(ref _databases));

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// The PostgreSQL content store against a real server: the <see cref="IContentStore"/> contract the file store keeps,
/// group commit, two nodes sharing one database, and the orphan sweep.
/// </summary>
public sealed class PostgresContentStoreTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly List<PostgresContentStore> _stores = [];
    private string _database = "";

    public async Task InitializeAsync() => _database = await fixture.NewDatabaseAsync();

    public Task DisposeAsync()
    {
        foreach (var store in _stores) store.Dispose();
        _temp.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>One node's store: its own local directory, the shared database.</summary>
    private PostgresContentStore Node(string name = "a")
    {
        var store = new PostgresContentStore(new PostgresContentStoreOptions(_database, _temp.Combine(name)));
        _stores.Add(store);
        return store;
    }

    private static async Task<IReadOnlyList<string>> CommitAsync(IContentStore store, string queueId, byte[] content, int references)
    {
        using var writer = store.BeginWrite(queueId);
        await writer.Stream.WriteAsync(content);
        return await store.CommitAsync(writer, references);
    }

    private static byte[] ReadAll(IContentStore store, string reference)
    {
        using var stream = store.OpenRead(reference);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private long Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private long Count(string table) => Scalar($"SELECT count(*) FROM {table}");

    [Fact]
    public async Task Committed_content_reads_back_byte_exact_with_one_body_for_all_references()
    {
        var store = Node();
        var content = RandomNumberGenerator.GetBytes(300_000);
        var references = await CommitAsync(store, "msg-1", content, 3);

        Assert.Equal(3, references.Distinct().Count());
        foreach (var reference in references)
        {
            Assert.Equal(content, ReadAll(store, reference));
            Assert.Equal(content.Length, store.GetLength(reference));
            Assert.True(store.Exists(reference));
        }
        Assert.Equal((1L, 3L), (Count("actormta_content"), Count("actormta_content_ref")));
        // The temp file is kept once committed, to be written over by the next message.
        Assert.Single(Directory.GetFiles(_temp.Combine("a", "tmp")));
        Assert.Equal(1, store.SpareFileCount);
    }

    [Fact]
    public async Task A_spare_temp_file_is_written_over_and_only_the_new_message_is_stored()
    {
        var store = Node();
        var longer = RandomNumberGenerator.GetBytes(200_000);
        var first = await CommitAsync(store, "long", longer, 1);
        var spare = Assert.Single(Directory.GetFiles(_temp.Combine("a", "tmp")));

        var shorter = RandomNumberGenerator.GetBytes(1_000);
        var second = await CommitAsync(store, "short", shorter, 1);
        // Stamped: written, read back, then written again from the start, shorter than the file it lands in.
        var stamped = RandomNumberGenerator.GetBytes(5_000);
        IReadOnlyList<string> third;
        using (var writer = store.BeginWrite("stamped"))
        {
            await writer.Stream.WriteAsync(longer);
            using (var back = new MemoryStream())
            {
                await using (var written = writer.OpenWritten()) await written.CopyToAsync(back);
                Assert.Equal(longer, back.ToArray());
            }
            writer.Restart();
            await writer.Stream.WriteAsync(stamped);
            Assert.Equal(stamped.Length, writer.Length);
            third = await store.CommitAsync(writer, 1);
        }

        Assert.Equal(spare, Assert.Single(Directory.GetFiles(_temp.Combine("a", "tmp"))));
        Assert.Equal(longer, ReadAll(store, first[0]));
        Assert.Equal(shorter, ReadAll(store, second[0]));
        Assert.Equal(shorter.Length, store.GetLength(second[0]));
        Assert.Equal(stamped, ReadAll(store, third[0]));
    }

    [Fact]
    public async Task The_body_lives_until_its_last_reference_is_released_and_an_open_reader_keeps_working()
    {
        var store = Node();
        var content = RandomNumberGenerator.GetBytes(10_000);
        var references = await CommitAsync(store, "msg-2", content, 2);
        var copy = store.AddReference(references[0]);

        store.Release(references[0]);
        store.Release(references[0]); // twice: a no-op
        store.Release(references[1]);
        Assert.Equal(content, ReadAll(store, copy));
        using var open = store.OpenRead(copy);
        store.Release(copy);

        Assert.False(store.Exists(copy));
        Assert.Throws<FileNotFoundException>(() => store.OpenRead(copy));
        Assert.Throws<FileNotFoundException>(() => store.AddReference(copy));
        Assert.Equal((0L, 0L), (Count("actormta_content"), Count("actormta_content_ref")));
        using var rest = new MemoryStream();
        open.CopyTo(rest);
        Assert.Equal(content, rest.ToArray());
    }

    [Fact]
    public async Task Abort_drops_the_content_and_a_writer_commits_once()
    {
        var store = Node();
        var aborted = store.BeginWrite("gone");
        aborted.Stream.Write(new byte[100]);
        store.Abort(aborted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(aborted, 1));

        using var writer = store.BeginWrite("once");
        writer.Stream.Write(new byte[10]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CommitAsync(writer, 0));
        await store.CommitAsync(writer, 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(writer, 1));
        using var foreign = Node("c").BeginWrite("x");
        await Assert.ThrowsAsync<ArgumentException>(() => Node("b").CommitAsync(foreign, 1));
        // The aborted file is deleted; the committed one is kept as a spare.
        Assert.Single(Directory.GetFiles(_temp.Combine("a", "tmp")));
        Assert.Equal(1, store.SpareFileCount);
        Assert.Equal(1L, Count("actormta_content"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    [InlineData("pg-XYZ")]
    [InlineData("spool/ab/cd")]
    public void Malformed_references_are_rejected(string reference)
    {
        var store = Node();
        Assert.Throws<ArgumentException>(() => store.OpenRead(reference));
        Assert.Throws<ArgumentException>(() => store.Release(reference));
        Assert.Throws<ArgumentException>(() => store.AddReference(reference));
        Assert.Throws<ArgumentException>(() => store.Exists(reference));
    }

    [Fact]
    public async Task Concurrent_commits_share_transactions()
    {
        var store = Node();
        var contents = Enumerable.Range(0, 200).Select(i => RandomNumberGenerator.GetBytes(2048 + i)).ToArray();
        var references = await Task.WhenAll(contents.Select((c, i) => Task.Run(() => CommitAsync(store, "m" + i, c, 1))));

        for (var i = 0; i < contents.Length; i++) Assert.Equal(contents[i], ReadAll(store, references[i][0]));
        var (transactions, commits) = store.Statistics;
        Assert.Equal(200, commits);
        Assert.True(transactions < 200, $"{transactions} transactions for 200 commits: no group commit");
    }

    [Fact]
    public async Task A_statement_that_fails_takes_its_whole_group_commit_with_it_and_nothing_of_it_is_stored()
    {
        var store = Node();
        Execute("ALTER TABLE actormta_content ADD CONSTRAINT no_poison CHECK (queue_id <> 'poison')");
        await using var blocker = new NpgsqlConnection(_database);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE actormta_content IN SHARE ROW EXCLUSIVE MODE", blocker, hold))
            await lockTable.ExecuteNonQueryAsync();

        // The first commit holds the committer on the lock, so the next three queue up and go in one batch.
        var first = CommitAsync(store, "first", [1, 2, 3], 1);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first commit never reached the lock");
            await Task.Delay(20);
        }
        // Written first, so that each CommitAsync queues before it returns.
        var writers = new[] { "good", "poison", "good2" }.Select(id => store.BeginWrite(id)).ToArray();
        foreach (var writer in writers) await writer.Stream.WriteAsync(new byte[] { 4, 5, 6 });
        var grouped = writers.Select(writer => store.CommitAsync(writer, 2)).ToArray();
        await hold.CommitAsync();

        Assert.Single(await first);
        foreach (var commit in grouped) await Assert.ThrowsAsync<IOException>(() => commit);
        Assert.Equal((1L, 1L), (Count("actormta_content"), Count("actormta_content_ref")));
        Assert.Equal((1L, 1L), store.Statistics);
        foreach (var writer in writers) writer.Dispose();
    }

    [Fact]
    public async Task Content_committed_on_one_node_is_read_and_released_on_another()
    {
        var a = Node("a");
        var b = Node("b");
        var content = RandomNumberGenerator.GetBytes(70_000);
        var references = await CommitAsync(a, "shared", content, 2);

        Assert.Equal(content, ReadAll(b, references[0]));
        var copy = b.AddReference(references[1]);
        b.Release(references[0]);
        a.Release(references[1]);
        Assert.Equal(content, ReadAll(a, copy));
        a.Release(copy);
        Assert.False(b.Exists(copy));
        Assert.Equal(0L, Count("actormta_content"));
    }

    [Fact]
    public async Task Releasing_the_last_references_at_once_on_two_nodes_leaves_no_body()
    {
        var a = Node("a");
        var b = Node("b");
        for (var round = 0; round < 20; round++)
        {
            var references = await CommitAsync(a, "race" + round, new byte[100], 2);
            await Task.WhenAll(Task.Run(() => a.Release(references[0])), Task.Run(() => b.Release(references[1])));
        }
        Assert.Equal(0L, Count("actormta_content"));
    }

    [Fact]
    public async Task The_sweep_removes_bodies_nobody_references_and_keeps_the_rest()
    {
        var store = Node();
        var kept = await CommitAsync(store, "kept", new byte[10], 1);
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            // What a crash between the two deletes of a release, or a lost update, would leave.
            await using var orphan = new NpgsqlCommand("INSERT INTO actormta_content (queue_id, length, data, created) VALUES ('orphan', 1, '\\x00', now() - interval '2 hours')", connection);
            await orphan.ExecuteNonQueryAsync();
        }
        Assert.Equal(2L, Count("actormta_content"));

        Assert.Equal(1, store.SweepOrphans(TimeSpan.FromHours(1)));
        Assert.Equal(1L, Count("actormta_content"));
        Assert.True(store.Exists(kept[0]));
    }

    [Fact]
    public async Task Two_nodes_starting_together_create_the_schema_once_and_content_survives_a_restart()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Node("n" + i))));
        var references = await CommitAsync(stores[0], "durable", new byte[] { 1, 2, 3 }, 1);
        foreach (var store in stores) store.Dispose();

        var again = Node("again");
        Assert.Equal(new byte[] { 1, 2, 3 }, ReadAll(again, references[0]));
    }
}

/// <summary>
/// Users, domains and aliases on PostgreSQL: what the CLI writes on one node, every node's cache sees; concurrent
/// writers of two nodes cannot both create one address.
/// </summary>
public sealed class PostgresAccountTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly ActorMTA.Storage.Accounts.AccountOptions Fast = new() { Pbkdf2Iterations = 1000 };

    [Fact]
    public async Task A_change_made_through_one_directory_is_seen_by_every_cache()
    {
        var location = ActorMTA.Storage.Accounts.AccountStoreLocation.Postgres(await fixture.NewDatabaseAsync());
        using var cli = new ActorMTA.Storage.Accounts.AccountDirectory(location, Fast);
        using var nodeA = new ActorMTA.Storage.Accounts.AccountCache(location, Fast);
        using var nodeB = new ActorMTA.Storage.Accounts.AccountCache(location, Fast);
        Assert.False(nodeA.RefreshIfChanged());

        cli.AddDomain("Example.TEST");
        cli.AddUser("Ann@example.test", "secret-1");
        cli.AddAlias("sales@example.test", ["ann@example.test", "someone@elsewhere.example"]);

        Assert.True(nodeA.RefreshIfChanged());
        Assert.True(nodeB.RefreshIfChanged());
        Assert.False(nodeB.RefreshIfChanged());
        Assert.True(nodeB.Current.IsLocalDomain("example.test"));
        Assert.True(await nodeB.VerifyAsync("ann@example.test", "secret-1"));
        Assert.False(await nodeB.VerifyAsync("ann@example.test", "wrong"));
        Assert.Equal(["ann@example.test", "someone@elsewhere.example"], cli.ListAliases().Single().Targets);
        Assert.Equal("ann@example.test", cli.ListUsers("example.test").Single().Address);

        cli.SetPassword("ann@example.test", "secret-2");
        Assert.True(nodeA.RefreshIfChanged());
        Assert.True(await nodeA.VerifyAsync("ann@example.test", "secret-2"));
        Assert.Throws<ActorMTA.Storage.Accounts.AccountException>(() => cli.DeleteUser("ann@example.test")); // an alias points at it
        cli.DeleteAlias("sales@example.test");
        cli.DeleteUser("ann@example.test");
        Assert.True(nodeA.RefreshIfChanged());
        Assert.False(await nodeA.VerifyAsync("ann@example.test", "secret-2"));
    }

    [Fact]
    public async Task Two_nodes_adding_the_same_user_at_once_create_it_once()
    {
        var location = ActorMTA.Storage.Accounts.AccountStoreLocation.Postgres(await fixture.NewDatabaseAsync());
        using (var setup = new ActorMTA.Storage.Accounts.AccountDirectory(location, Fast)) setup.AddDomain("race.test");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
        {
            using var directory = new ActorMTA.Storage.Accounts.AccountDirectory(location, Fast);
            try
            {
                directory.AddUser("same@race.test", "pw-" + i);
                return true;
            }
            catch (ActorMTA.Storage.Accounts.AccountException)
            {
                return false;
            }
        })));
        Assert.Single(outcomes, ok => ok);
        using var check = new ActorMTA.Storage.Accounts.AccountDirectory(location, Fast);
        Assert.Single(check.ListUsers());
    }
}
