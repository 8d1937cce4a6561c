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

    public static Config Build(Config actormtaConfig, string journalFile, string snapshotFile, int? remotingPort, string hoconDirectory)
    {
        var path = Path.Combine(hoconDirectory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"Akka configuration {path} not found", path);
        var akka = ConfigurationFactory.ParseString(File.ReadAllText(path));

        var connectionString = Quote(JournalDatabase.ConnectionString(journalFile));
        var port = remotingPort is { } p ? $"akka.remote.dot-netty.tcp.port = {p}" : "";
        var runtime = ConfigurationFactory.ParseString($$"""
            {{port}}
            akka.persistence.journal.sql.connection-string = {{connectionString}}
            akka.persistence.snapshot-store.sql.connection-string = {{Quote(JournalDatabase.ConnectionString(snapshotFile))}}
            """);
        // Without Akka.Persistence.Sql.Hosting nobody injects the plugin's reference configuration
        // (plugin class, table mappings) before the first journal is created, so it goes in here.
        return runtime.WithFallback(actormtaConfig).WithFallback(akka).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    // A JSON string literal is a valid HOCON quoted string, escapes included.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
