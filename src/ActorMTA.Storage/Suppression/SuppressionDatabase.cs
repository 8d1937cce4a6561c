using System.Data;
using System.Data.Common;
using System.Globalization;
using ActorMTA.Storage.Accounts;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorMTA.Storage.Suppression;

/// <summary>
/// Opens the suppression table the way <see cref="AccountDatabase"/> opens the accounts: the node's own SQLite
/// file (<c>suppression.db</c>, WAL, busy timeout) or the cluster's PostgreSQL (the same table, plus a version row
/// every write raises, which is how other nodes notice a change; SQLite's <c>PRAGMA data_version</c> plays that
/// part there). Its own file, not accounts.db: a bounce storm writing here must not make every node reload its
/// accounts. Times are stored as ISO 8601 UTC text with 100 ns precision, so export and import round-trip exactly.
/// </summary>
internal static class SuppressionDatabase
{
    private const string Table = """
        CREATE TABLE IF NOT EXISTS suppressions (
            tenant      TEXT NOT NULL,
            address     TEXT NOT NULL,
            reason      TEXT NOT NULL,
            source      TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            expires_utc TEXT NULL,
            PRIMARY KEY (tenant, address)
        ){0};
        CREATE INDEX IF NOT EXISTS suppressions_by_expiry ON suppressions(expires_utc);
        """;

    private const string PostgresVersion = """
        CREATE TABLE IF NOT EXISTS suppression_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
        INSERT INTO suppression_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        """;

    // Not the accounts' lock id: suppression writes need not wait for account writes.
    private const long WriteLock = 7464309;

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static DbConnection Open(AccountStoreLocation location, SuppressionOptions options) => location.IsPostgres
        ? AccountDatabase.OpenPostgresWith(location.PostgresConnectionString!, WriteLock, string.Format(CultureInfo.InvariantCulture, Table, "") + PostgresVersion)
        : AccountDatabase.OpenSqliteWith(location.SqlitePath!, options.BusyTimeout, string.Format(CultureInfo.InvariantCulture, Table, " WITHOUT ROWID"));

    /// <summary>A write transaction no other writer overlaps; on PostgreSQL it raises the version.</summary>
    public static DbTransaction BeginWrite(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite) return sqlite.BeginTransaction(deferred: false);
        var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        AccountDatabase.Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({WriteLock})");
        AccountDatabase.Execute(connection, transaction, "UPDATE suppression_version SET version = version + 1 WHERE id = 1");
        return transaction;
    }

    /// <summary>Changes whenever another connection committed (SQLite) or any write committed (PostgreSQL).</summary>
    public static long ReadVersion(DbConnection connection) =>
        Convert.ToInt64(AccountDatabase.Scalar(connection, null,
            connection is SqliteConnection ? "PRAGMA data_version;" : "SELECT version FROM suppression_version WHERE id = 1"), CultureInfo.InvariantCulture);

    public static string FormatTime(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTime(string text, out DateTime utc) =>
        DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc)
        || DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc);

    public static string SourceName(SuppressionSource source) => source.ToString().ToLowerInvariant();

    public static bool TryParseSource(string text, out SuppressionSource source) =>
        Enum.TryParse(text.Trim(), ignoreCase: true, out source) && Enum.IsDefined(source) && !int.TryParse(text, out _);
}
