using Microsoft.Data.Sqlite;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Opens <c>accounts.db</c> the same way for the CLI (writes) and the server (reads): WAL so a reader never
/// blocks the other process's writer, and a busy timeout so concurrent writers wait instead of failing.
/// </summary>
internal static class AccountDatabase
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS domains (
            name TEXT PRIMARY KEY NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS users (
            address       TEXT PRIMARY KEY NOT NULL,
            domain        TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_utc   TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS users_by_domain ON users(domain);
        CREATE TABLE IF NOT EXISTS aliases (
            address  TEXT NOT NULL,
            position INTEGER NOT NULL,
            domain   TEXT NOT NULL,
            target   TEXT NOT NULL,
            PRIMARY KEY (address, position)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS aliases_by_domain ON aliases(domain);
        CREATE INDEX IF NOT EXISTS aliases_by_target ON aliases(target);
        """;

    public static SqliteConnection Open(string databasePath, AccountOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // No pooling: closing must really release the file (the CLI exits, tests delete their directories).
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};");
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = FULL;");
            Execute(connection, Schema);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
