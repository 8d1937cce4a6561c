using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorMTA.Storage.Accounts;

/// <summary>Where users, domains and aliases live: the node's <c>accounts.db</c>, or the cluster's PostgreSQL.</summary>
public sealed record AccountStoreLocation(string? SqlitePath, string? PostgresConnectionString)
{
    public static AccountStoreLocation Sqlite(string path) => new(path, null);

    public static AccountStoreLocation Postgres(string connectionString) => new(null, connectionString);

    public bool IsPostgres => PostgresConnectionString is not null;
}

/// <summary>
/// Opens the accounts database the same way for the CLI (writes) and the server (reads). SQLite: WAL so a reader
/// never blocks the other process's writer, and a busy timeout so concurrent writers wait instead of failing.
/// PostgreSQL: the same tables, plus a version row every write raises, which is how readers notice a change
/// (SQLite's <c>PRAGMA data_version</c> plays that part there). SQL is written for both (@name parameters).
/// </summary>
internal static class AccountDatabase
{
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS domains (
            name TEXT PRIMARY KEY NOT NULL
        ){0};
        CREATE TABLE IF NOT EXISTS users (
            address       TEXT PRIMARY KEY NOT NULL,
            domain        TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_utc   TEXT NOT NULL
        ){0};
        CREATE INDEX IF NOT EXISTS users_by_domain ON users(domain);
        CREATE TABLE IF NOT EXISTS aliases (
            address  TEXT NOT NULL,
            position INTEGER NOT NULL,
            domain   TEXT NOT NULL,
            target   TEXT NOT NULL,
            PRIMARY KEY (address, position)
        ){0};
        CREATE INDEX IF NOT EXISTS aliases_by_domain ON aliases(domain);
        CREATE INDEX IF NOT EXISTS aliases_by_target ON aliases(target);
        """;

    private const string PostgresVersion = """
        CREATE TABLE IF NOT EXISTS accounts_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
        INSERT INTO accounts_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        """;

    // One lock id for every account write of the cluster: check-then-insert must not race another node or CLI.
    private const long WriteLock = 7464308;

    public static DbConnection Open(AccountStoreLocation location, AccountOptions options) =>
        location.IsPostgres ? OpenPostgres(location.PostgresConnectionString!) : OpenSqlite(location.SqlitePath!, options);

    private static DbConnection OpenSqlite(string databasePath, AccountOptions options) =>
        OpenSqliteWith(databasePath, options.BusyTimeout, string.Format(System.Globalization.CultureInfo.InvariantCulture, Tables, " WITHOUT ROWID"));

    private static DbConnection OpenPostgres(string connectionString) =>
        OpenPostgresWith(connectionString, WriteLock, string.Format(System.Globalization.CultureInfo.InvariantCulture, Tables, "") + PostgresVersion);

    /// <summary>A SQLite file as every store of ours opens it (WAL, synchronous FULL, no pooling), its schema created.</summary>
    internal static DbConnection OpenSqliteWith(string databasePath, TimeSpan busyTimeout, string schema)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // No pooling: closing must really release the file (the CLI exits, tests delete their directories).
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, null, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds};");
            Execute(connection, null, "PRAGMA journal_mode = WAL;");
            Execute(connection, null, "PRAGMA synchronous = FULL;");
            Execute(connection, null, schema);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A PostgreSQL connection with its schema created under the advisory lock <paramref name="writeLock"/>:
    /// several nodes may start at once, and the lock makes their CREATEs one at a time.</summary>
    internal static DbConnection OpenPostgresWith(string connectionString, long writeLock, string schema)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({writeLock})");
            Execute(connection, transaction, schema);
            transaction.Commit();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A write transaction that no other writer (process or node) overlaps; on PostgreSQL it raises the version.</summary>
    public static DbTransaction BeginWrite(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite) return sqlite.BeginTransaction(deferred: false);
        var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({WriteLock})");
        Execute(connection, transaction, "UPDATE accounts_version SET version = version + 1 WHERE id = 1");
        return transaction;
    }

    /// <summary>A read transaction: one consistent view of all tables.</summary>
    public static DbTransaction BeginRead(DbConnection connection) => connection is SqliteConnection sqlite
        ? sqlite.BeginTransaction(deferred: true)
        : connection.BeginTransaction(IsolationLevel.RepeatableRead);

    /// <summary>Changes whenever another connection committed a change (SQLite) or any write committed (PostgreSQL).</summary>
    public static long ReadVersion(DbConnection connection) =>
        Convert.ToInt64(Scalar(connection, null, connection is SqliteConnection ? "PRAGMA data_version;" : "SELECT version FROM accounts_version WHERE id = 1"));

    public static object? Scalar(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Prepare(connection, transaction, sql, parameters);
        return command.ExecuteScalar();
    }

    public static int Execute(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Prepare(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static DbCommand Prepare(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
