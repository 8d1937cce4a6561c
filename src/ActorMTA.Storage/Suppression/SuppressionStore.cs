using System.Data.Common;
using ActorMTA.Storage.Accounts;
using Npgsql;

namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The suppression table: add (insert or replace), delete, list, bulk import and the rows the in-memory snapshot
/// is built from. One connection, so one caller at a time: the CLI uses it directly; the server only through
/// <see cref="SuppressionList"/>, which serializes its calls and keeps them off actor threads. Entries are
/// normalized on the way in; a bulk add is one transaction (all or nothing).
/// </summary>
public sealed class SuppressionStore : IDisposable
{
    private const string Upsert = """
        INSERT INTO suppressions (tenant, address, reason, source, created_utc, expires_utc)
        VALUES (@tenant, @address, @reason, @source, @created, @expires)
        ON CONFLICT (tenant, address) DO UPDATE SET reason = excluded.reason, source = excluded.source,
            created_utc = excluded.created_utc, expires_utc = excluded.expires_utc
        """;

    // PostgreSQL: a round trip per row would make 100,000 rows take minutes; arrays of this many rows per statement.
    private const string UpsertArrays = """
        INSERT INTO suppressions (tenant, address, reason, source, created_utc, expires_utc)
        SELECT * FROM unnest(@tenant::text[], @address::text[], @reason::text[], @source::text[], @created::text[], @expires::text[])
        ON CONFLICT (tenant, address) DO UPDATE SET reason = excluded.reason, source = excluded.source,
            created_utc = excluded.created_utc, expires_utc = excluded.expires_utc
        """;

    private const int PostgresRowsPerStatement = 10_000;

    private const string Columns = "address, tenant, reason, source, created_utc, expires_utc";

    private readonly DbConnection _connection;

    public SuppressionStore(AccountStoreLocation location, SuppressionOptions? options = null)
    {
        _connection = SuppressionDatabase.Open(location, options ?? new SuppressionOptions());
    }

    internal DbConnection Connection => _connection;

    /// <summary>Inserts the entries, replacing any of the same tenant and address, in one transaction; returns their normalized form.</summary>
    public IReadOnlyList<SuppressionEntry> Add(IEnumerable<SuppressionEntry> entries)
    {
        var normalized = entries.Select(e => e.Normalized()).ToList();
        if (normalized.Count == 0) return normalized;
        using var transaction = SuppressionDatabase.BeginWrite(_connection);
        if (_connection is NpgsqlConnection) AddArrays(transaction, normalized);
        else AddRows(transaction, normalized);
        transaction.Commit();
        return normalized;
    }

    private void AddRows(DbTransaction transaction, List<SuppressionEntry> entries)
    {
        using var command = AccountDatabase.Prepare(_connection, transaction, Upsert,
            ("@tenant", ""), ("@address", ""), ("@reason", ""), ("@source", ""), ("@created", ""), ("@expires", DBNull.Value));
        command.Prepare();
        var p = command.Parameters;
        foreach (var e in entries)
        {
            p[0].Value = e.Tenant;
            p[1].Value = e.Address;
            p[2].Value = e.Reason;
            p[3].Value = SuppressionDatabase.SourceName(e.Source);
            p[4].Value = SuppressionDatabase.FormatTime(e.CreatedUtc);
            p[5].Value = e.ExpiresUtc is { } x ? SuppressionDatabase.FormatTime(x) : DBNull.Value;
            command.ExecuteNonQuery();
        }
    }

    private void AddArrays(DbTransaction transaction, List<SuppressionEntry> entries)
    {
        // One statement may not touch a row twice (ON CONFLICT): the last entry of a tenant and address wins, as with rows one by one.
        var last = new Dictionary<(string, string), SuppressionEntry>();
        foreach (var e in entries) last[(e.Tenant, e.Address)] = e;
        foreach (var chunk in last.Values.Chunk(PostgresRowsPerStatement))
        {
            AccountDatabase.Execute(_connection, transaction, UpsertArrays,
                ("@tenant", chunk.Select(e => e.Tenant).ToArray()),
                ("@address", chunk.Select(e => e.Address).ToArray()),
                ("@reason", chunk.Select(e => e.Reason).ToArray()),
                ("@source", chunk.Select(e => SuppressionDatabase.SourceName(e.Source)).ToArray()),
                ("@created", chunk.Select(e => SuppressionDatabase.FormatTime(e.CreatedUtc)).ToArray()),
                ("@expires", chunk.Select(e => e.ExpiresUtc is { } x ? SuppressionDatabase.FormatTime(x) : null).ToArray()));
        }
    }

    /// <summary>Removes the entry of <paramref name="tenant"/> ("" global) and the address; false when there was none.</summary>
    public bool Delete(string address, string? tenant = null)
    {
        var normalized = SuppressionAddress.Normalize(address);
        using var transaction = SuppressionDatabase.BeginWrite(_connection);
        var removed = AccountDatabase.Execute(_connection, transaction, "DELETE FROM suppressions WHERE tenant = @tenant AND address = @address",
            ("@tenant", SuppressionAddress.NormalizeTenant(tenant)), ("@address", normalized));
        transaction.Commit();
        return removed > 0;
    }

    /// <summary>Deletes the entries expired at <paramref name="nowUtc"/>; returns how many.</summary>
    public int PurgeExpired(DateTime nowUtc)
    {
        using var transaction = SuppressionDatabase.BeginWrite(_connection);
        var removed = AccountDatabase.Execute(_connection, transaction, "DELETE FROM suppressions WHERE expires_utc IS NOT NULL AND expires_utc <= @now",
            ("@now", SuppressionDatabase.FormatTime(nowUtc)));
        transaction.Commit();
        return removed;
    }

    /// <summary>The entry of that tenant ("" global) and address, expired or not; null when there is none.</summary>
    public SuppressionEntry? Find(string address, string? tenant = null)
    {
        if (!SuppressionAddress.TryNormalize(address, out var normalized)) return null;
        using var command = AccountDatabase.Prepare(_connection, null, $"SELECT {Columns} FROM suppressions WHERE tenant = @tenant AND address = @address",
            ("@tenant", SuppressionAddress.NormalizeTenantOrEmpty(tenant)), ("@address", normalized));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadEntry(reader) : null;
    }

    /// <summary>Every entry (of one tenant when <paramref name="tenant"/> is given, "" for the global list), ordered by tenant and address.</summary>
    public IEnumerable<SuppressionEntry> List(string? tenant = null)
    {
        var where = tenant is null ? "" : " WHERE tenant = @tenant";
        using var command = AccountDatabase.Prepare(_connection, null, $"SELECT {Columns} FROM suppressions{where} ORDER BY tenant, address",
            tenant is null ? [] : [("@tenant", SuppressionAddress.NormalizeTenant(tenant))]);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return ReadEntry(reader);
    }

    public long Count() => Convert.ToInt64(AccountDatabase.Scalar(_connection, null, "SELECT COUNT(*) FROM suppressions"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What the snapshot needs of every row: its key and expiry (no strings kept).</summary>
    internal IEnumerable<(ulong Key, DateTime? ExpiresUtc)> ReadKeys()
    {
        using var command = AccountDatabase.Prepare(_connection, null, "SELECT tenant, address, expires_utc FROM suppressions");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            DateTime? expires = reader.IsDBNull(2) ? null : ParseTime(reader.GetString(2));
            yield return (SuppressionKey.Of(reader.GetString(0), reader.GetString(1)), expires);
        }
    }

    internal long ReadVersion() => SuppressionDatabase.ReadVersion(_connection);

    private static SuppressionEntry ReadEntry(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        SuppressionDatabase.TryParseSource(reader.GetString(3), out var source) ? source : SuppressionSource.Manual,
        ParseTime(reader.GetString(4)),
        reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5)));

    private static DateTime ParseTime(string text) =>
        SuppressionDatabase.TryParseTime(text, out var utc) ? utc : throw new SuppressionException($"suppression table holds a bad time '{text}'");

    public void Dispose() => _connection.Dispose();
}
