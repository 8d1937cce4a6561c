using Microsoft.Data.Sqlite;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The SQLite files that hold the Akka.Persistence journal and the snapshots. Prepared once before the
/// actor system starts, because WAL mode is a property of the file and cannot be carried by the
/// connection string the persistence plugin uses.
/// </summary>
/// <remarks>
/// Journal and snapshots are two files because SQLite has one writer per file and Microsoft.Data.Sqlite answers
/// a busy database by sleeping 150 ms before it retries: with both in one file, every snapshot write (and every
/// event deletion after it) stalled the journal writer for 150 ms, which showed as a p99 of ~170 ms for SMTP
/// acceptance while a queue was relaying (p50 15 ms). With the snapshots in their own file the journal writer
/// only meets event deletions, which the entities issue rarely (actormta.storage.journal-cleanup-interval).
/// </remarks>
public static class JournalDatabase
{
    /// <summary>
    /// Creates the file (and its directory) if needed and switches it to write-ahead logging.
    /// WAL lets readers run beside the single writer and turns each commit into one append + fsync
    /// of the log; measured here it roughly doubles the events/s the journal can take.
    /// </summary>
    public static void Prepare(string sqliteFile)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(sqliteFile));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        using var connection = new SqliteConnection(ConnectionString(sqliteFile));
        connection.Open();
        var mode = Scalar(connection, "PRAGMA journal_mode=WAL");
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"journal {sqliteFile}: SQLite refused WAL mode (journal_mode={mode})");

        // synchronous is per connection and cannot be set through Microsoft.Data.Sqlite's connection
        // string, so the plugin's connections get the library default. The bundled SQLite is built with
        // SQLITE_DEFAULT_WAL_SYNCHRONOUS=2 (FULL); refuse to run with anything weaker, because an
        // acknowledged message must survive a power cut, not only a process crash.
        var synchronous = Scalar(connection, "PRAGMA synchronous");
        if (synchronous != "2" && synchronous != "3")
            throw new InvalidOperationException($"journal {sqliteFile}: SQLite default synchronous={synchronous}, FULL (2) is required");
    }

    /// <summary>
    /// Prepares the snapshot store's file. Data dirs from before the split kept snapshots in the journal file, and
    /// their entities' older events are already deleted, so those snapshots are copied over the first time (into a
    /// temporary file that is renamed into place, so a crash never leaves a half-copied store behind).
    /// </summary>
    public static void PrepareSnapshotStore(string snapshotFile, string journalFile)
    {
        if (File.Exists(snapshotFile) || !File.Exists(journalFile) || !HasSnapshotTable(journalFile))
        {
            Prepare(snapshotFile);
            return;
        }
        var migrating = snapshotFile + ".migrating";
        foreach (var leftover in new[] { migrating, migrating + "-wal", migrating + "-shm" }) File.Delete(leftover);
        Prepare(migrating);
        using (var connection = new SqliteConnection(ConnectionString(migrating, pooling: false)))
        {
            connection.Open();
            Execute(connection, $"ATTACH DATABASE '{Path.GetFullPath(journalFile).Replace("'", "''")}' AS old");
            using (var transaction = connection.BeginTransaction())
            {
                foreach (var schema in Column(connection, "SELECT sql FROM old.sqlite_master WHERE tbl_name = 'snapshot' AND sql IS NOT NULL ORDER BY type DESC"))
                    Execute(connection, schema); // the table first ('table' > 'index'), then its indexes
                Execute(connection, "INSERT INTO main.snapshot SELECT * FROM old.snapshot");
                transaction.Commit();
            }
            Execute(connection, "DETACH DATABASE old");
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        File.Move(migrating, snapshotFile);
        foreach (var leftover in new[] { migrating + "-wal", migrating + "-shm" }) File.Delete(leftover);
    }

    private static bool HasSnapshotTable(string journalFile)
    {
        using var connection = new SqliteConnection(ConnectionString(journalFile, pooling: false));
        connection.Open();
        return Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshot'") == "1";
    }

    /// <summary>
    /// The connection string for the persistence plugin. Pooling keeps the (WAL-mode) connections open
    /// between writes; shared cache is left off on purpose, it serialises readers and writers on a
    /// table-level lock and gains nothing with WAL.
    /// </summary>
    public static string ConnectionString(string sqliteFile) => ConnectionString(sqliteFile, pooling: true);

    private static string ConnectionString(string sqliteFile, bool pooling) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(sqliteFile),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = pooling,
        // Seconds a writer waits for the lock held by another writer (the journal's event writes and
        // its occasional deletions) before the write fails.
        DefaultTimeout = 30,
    }.ToString();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
