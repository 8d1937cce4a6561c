using ActorMTA.Server.Cluster;
using ActorMTA.Server.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace ActorMTA.Server.Tests.Cluster;

public sealed class AkkaConfigTests
{
    [Fact]
    public void Prepare_creates_the_journal_in_wal_mode_and_the_mode_stays_with_the_file()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "sub dir", "journal.db");

        JournalDatabase.Prepare(file);

        using var connection = new SqliteConnection(JournalDatabase.ConnectionString(file));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, command.ExecuteScalar()); // FULL
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Build_lays_runtime_values_over_the_operator_config_over_akka_conf()
    {
        var operatorConfig = NodeConfig.ActorMta("akka.loglevel = DEBUG\nactormta.cluster.shard-count = 7");
        var journal = "/var/lib/actor\"mta/it's; here.db";
        var snapshots = "/var/lib/actor\"mta/snap; shots.db";

        var config = AkkaConfig.Build(operatorConfig, journal, snapshots, 4711, NodeConfig.HoconDirectory);

        Assert.Equal(4711, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        Assert.Equal(7, config.GetInt("actormta.cluster.shard-count"));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        var connectionString = config.GetString("akka.persistence.journal.sql.connection-string");
        Assert.Equal(journal, new SqliteConnectionStringBuilder(connectionString).DataSource);
        var snapshotConnection = config.GetString("akka.persistence.snapshot-store.sql.connection-string");
        Assert.Equal(snapshots, new SqliteConnectionStringBuilder(snapshotConnection).DataSource);
    }

    [Fact]
    public void Without_a_runtime_port_the_configured_one_stays()
    {
        var config = AkkaConfig.Build(NodeConfig.ActorMta("akka.remote.dot-netty.tcp.port = 2552"), "journal.db", "snapshots.db", remotingPort: null, NodeConfig.HoconDirectory);
        Assert.Equal(2552, config.GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Fact]
    public void Snapshots_kept_in_an_older_journal_file_are_moved_to_the_snapshot_store_once()
    {
        using var temp = new TempDirectory();
        var journal = Path.Combine(temp.Path, "journal.db");
        var snapshots = Path.Combine(temp.Path, "snapshots.db");
        JournalDatabase.Prepare(journal);
        using (var old = new SqliteConnection(JournalDatabase.ConnectionString(journal)))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE [snapshot] ([persistence_id] NVarChar(255) NOT NULL, [sequence_number] INTEGER NOT NULL,
                  [created] INTEGER NOT NULL, [snapshot] VarBinary NULL, [manifest] NVarChar(500) NULL, [serializer_id] INTEGER NULL,
                  CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number]));
                CREATE INDEX snapshot_created_idx ON snapshot (created);
                INSERT INTO snapshot VALUES ('mailbox|a@local.test', 500, 1, x'0102', 'M', 4711), ('domain-queue|x.test', 42, 2, x'03', 'Q', 4711);
                """;
            command.ExecuteNonQuery();
        }

        JournalDatabase.PrepareSnapshotStore(snapshots, journal);
        JournalDatabase.PrepareSnapshotStore(snapshots, journal); // a second start copies nothing again

        using var moved = new SqliteConnection(JournalDatabase.ConnectionString(snapshots));
        moved.Open();
        using var query = moved.CreateCommand();
        query.CommandText = "SELECT group_concat(persistence_id || ':' || sequence_number || ':' || hex(snapshot), ' ') FROM (SELECT * FROM snapshot ORDER BY sequence_number)";
        Assert.Equal("domain-queue|x.test:42:03 mailbox|a@local.test:500:0102", query.ExecuteScalar());
        query.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'snapshot_created_idx'";
        Assert.Equal(1L, query.ExecuteScalar());
        query.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", query.ExecuteScalar());
        Assert.False(File.Exists(snapshots + ".migrating"));
        SqliteConnection.ClearAllPools();
    }
}
