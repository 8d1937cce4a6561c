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

        var config = AkkaConfig.Build(operatorConfig, journal, 4711, NodeConfig.HoconDirectory);

        Assert.Equal(4711, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        Assert.Equal(7, config.GetInt("actormta.cluster.shard-count"));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        var connectionString = config.GetString("akka.persistence.journal.sql.connection-string");
        Assert.Equal(journal, new SqliteConnectionStringBuilder(connectionString).DataSource);
        Assert.Equal(connectionString, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
    }

    [Fact]
    public void Without_a_runtime_port_the_configured_one_stays()
    {
        var config = AkkaConfig.Build(NodeConfig.ActorMta("akka.remote.dot-netty.tcp.port = 2552"), "journal.db", remotingPort: null, NodeConfig.HoconDirectory);
        Assert.Equal(2552, config.GetInt("akka.remote.dot-netty.tcp.port"));
    }
}
