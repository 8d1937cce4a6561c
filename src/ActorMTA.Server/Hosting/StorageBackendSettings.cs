using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

public enum StorageBackend { Embedded, PostgreSql }

/// <summary>actormta.storage.backend: SQLite files and a file spool, or one PostgreSQL for journal, snapshots and content.</summary>
public sealed record StorageBackendSettings(StorageBackend Backend, string PostgresConnectionString, int PostgresMaxBatch, TimeSpan OrphanSweepInterval)
{
    public static readonly StorageBackendSettings Embedded = new(StorageBackend.Embedded, "", 128, TimeSpan.FromHours(1));

    public static StorageBackendSettings FromConfig(Config? storage)
    {
        if (storage is null) return Embedded;
        var backend = storage.GetString("backend", "embedded").ToLowerInvariant() switch
        {
            "embedded" => StorageBackend.Embedded,
            "postgresql" => StorageBackend.PostgreSql,
            var other => throw new ConfigurationException($"actormta.storage.backend: unknown backend '{other}' (embedded or postgresql)"),
        };
        var connectionString = storage.GetString("postgresql.connection-string", "");
        if (backend == StorageBackend.PostgreSql && string.IsNullOrWhiteSpace(connectionString))
            throw new ConfigurationException("actormta.storage.backend = postgresql needs actormta.storage.postgresql.connection-string");
        return new StorageBackendSettings(backend, connectionString, storage.GetInt("postgresql.group-commit-max-batch", 128),
            storage.GetTimeSpan("postgresql.orphan-sweep-interval", TimeSpan.FromHours(1)));
    }
}
