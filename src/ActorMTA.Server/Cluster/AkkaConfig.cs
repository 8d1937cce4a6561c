using System.Text.Json;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// Builds the configuration an ActorMTA actor system starts with: the runtime values (journal file,
/// remoting port) over the operator's actormta configuration over hocon/akka.conf.
/// </summary>
public static class AkkaConfig
{
    public const string FileName = "akka.conf";

    public static string DefaultHoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <param name="actormtaConfig">The loaded configuration (actormta.conf plus overlay); may also hold akka.* overrides, which win over akka.conf.</param>
    /// <param name="journalFile">SQLite file of the journal (see <see cref="JournalDatabase.Prepare"/>).</param>
    /// <param name="snapshotFile">SQLite file of the snapshot store (see <see cref="JournalDatabase.PrepareSnapshotStore"/>).</param>
    /// <param name="remotingPort">TCP port for cluster remoting; 0 picks a free one (a single node needs no fixed port); null keeps the configured one.</param>
    public static Config Build(Config actormtaConfig, string journalFile, string snapshotFile, int? remotingPort) =>
        Build(actormtaConfig, journalFile, snapshotFile, remotingPort, DefaultHoconDirectory);

    public static Config Build(Config actormtaConfig, string journalFile, string snapshotFile, int? remotingPort, string hoconDirectory) =>
        Build(actormtaConfig, remotingPort, hoconDirectory, $$"""
            akka.persistence.journal.sql.connection-string = {{Quote(JournalDatabase.ConnectionString(journalFile))}}
            akka.persistence.snapshot-store.sql.connection-string = {{Quote(JournalDatabase.ConnectionString(snapshotFile))}}
            """);

    /// <summary>Journal and snapshot store in PostgreSQL (linq2db provider PostgreSQL.15), shared by every node of a cluster.</summary>
    public static Config BuildForPostgres(Config actormtaConfig, string connectionString, int? remotingPort) =>
        Build(actormtaConfig, remotingPort, DefaultHoconDirectory, $$"""
            akka.persistence.journal.sql {
              connection-string = {{Quote(connectionString)}}
              provider-name = "PostgreSQL.15"
              # Unlike SQLite, PostgreSQL takes concurrent writers.
              parallelism = 4
            }
            akka.persistence.snapshot-store.sql {
              connection-string = {{Quote(connectionString)}}
              provider-name = "PostgreSQL.15"
            }
            """);

    private static Config Build(Config actormtaConfig, int? remotingPort, string hoconDirectory, string persistence)
    {
        var path = Path.Combine(hoconDirectory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"Akka configuration {path} not found", path);
        var akka = ConfigurationFactory.ParseString(File.ReadAllText(path));
        var port = remotingPort is { } p ? $"akka.remote.dot-netty.tcp.port = {p}" : "";
        var runtime = ConfigurationFactory.ParseString(port + "\n" + persistence);
        // Without Akka.Persistence.Sql.Hosting nobody injects the plugin's reference configuration
        // (plugin class, table mappings) before the first journal is created, so it goes in here.
        // Sharding's and distributed data's serializers likewise: they are injected only when sharding starts, and
        // gossip from a running node can reach a node that is still joining (seen: "Cannot find serializer with id
        // [12]" for the replicator, and coordinator state updates timing out while a node joined).
        return runtime.WithFallback(actormtaConfig).WithFallback(akka).WithFallback(SqlPersistence.DefaultConfiguration)
            .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());
    }

    // A JSON string literal is a valid HOCON quoted string, escapes included.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
