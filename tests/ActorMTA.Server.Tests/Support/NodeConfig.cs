using ActorMTA.Server.Cluster;
using ActorMTA.Server.Hosting;
using Akka.Configuration;

namespace ActorMTA.Server.Tests.Support;

/// <summary>The production configuration path (hocon/actormta.conf over hocon/shaping-providers.conf + hocon/akka.conf + runtime values) for a test node.</summary>
public static class NodeConfig
{
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config ActorMta(string? overrides = null)
    {
        var defaults = ConfigLoader.Shipped(HoconDirectory);
        return overrides is null ? defaults : ConfigurationFactory.ParseString(overrides).WithFallback(defaults);
    }

    public static string SnapshotFileFor(string journalFile) => Path.ChangeExtension(journalFile, ".snapshots.db");

    /// <summary>Prepares the journal file (WAL) and builds the node's config with remoting on a free port.</summary>
    public static Config For(string journalFile, string? overrides = null)
    {
        JournalDatabase.Prepare(journalFile);
        var snapshotFile = SnapshotFileFor(journalFile);
        JournalDatabase.PrepareSnapshotStore(snapshotFile, journalFile);
        return AkkaConfig.Build(ActorMta(overrides), journalFile, snapshotFile, remotingPort: 0, HoconDirectory);
    }
}
