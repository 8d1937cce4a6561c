using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Suppression;
using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// actormta.suppression as <see cref="SuppressionOptions"/>, and where the list lives: <c>suppression.db</c> in the
/// data dir, or the cluster's PostgreSQL when actormta.storage.backend = postgresql. The same for the server and
/// the CLI.
/// </summary>
public static class SuppressionSettings
{
    public const string FileName = "suppression.db";

    public static SuppressionOptions FromConfig(Config root)
    {
        var section = root.GetConfig("actormta.suppression");
        if (section is null) return new SuppressionOptions();
        var options = new SuppressionOptions
        {
            Enabled = section.GetBoolean("enabled", true),
            Automatic = section.GetBoolean("automatic", true),
            AutomaticExpiry = OptionalDuration(section, "automatic-expiry"),
            RefreshInterval = section.GetTimeSpan("refresh-interval", TimeSpan.FromSeconds(5)),
            PurgeInterval = section.GetTimeSpan("purge-interval", TimeSpan.FromHours(1)),
        };
        if (options.RefreshInterval <= TimeSpan.Zero) throw new ConfigurationException("actormta.suppression.refresh-interval must be positive");
        if (options.PurgeInterval <= TimeSpan.Zero) throw new ConfigurationException("actormta.suppression.purge-interval must be positive");
        return options;
    }

    public static AccountStoreLocation LocationFor(ServerSettings settings) => settings.Storage.Backend == StorageBackend.PostgreSql
        ? AccountStoreLocation.Postgres(settings.Storage.PostgresConnectionString)
        : AccountStoreLocation.Sqlite(Path.Combine(settings.DataDirectory, FileName));

    /// <summary>"off" (or "never", or empty) for no expiry, else a HOCON duration such as 90d.</summary>
    public static TimeSpan? OptionalDuration(Config section, string key)
    {
        var text = section.GetString(key, "off")?.Trim() ?? "off";
        if (text.Length == 0 || text is "off" or "never" or "false" or "no") return null;
        var duration = section.GetTimeSpan(key);
        if (duration <= TimeSpan.Zero) throw new ConfigurationException($"actormta.suppression.{key} must be positive or off");
        return duration;
    }
}
