using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Immutable view of users and local domains at one moment; safe to share between threads and actors.
/// Arguments are normalised like stored names, so lookups are case-insensitive; malformed input is simply unknown.
/// </summary>
public sealed class AccountSnapshot
{
    private readonly FrozenSet<string> _domains;
    private readonly FrozenDictionary<string, string> _passwordHashes;

    private AccountSnapshot(FrozenSet<string> domains, FrozenDictionary<string, string> passwordHashes)
    {
        _domains = domains;
        _passwordHashes = passwordHashes;
    }

    public static AccountSnapshot Empty { get; } =
        new(FrozenSet<string>.Empty, FrozenDictionary<string, string>.Empty);

    public IReadOnlyCollection<string> Domains => _domains;
    public int UserCount => _passwordHashes.Count;

    public bool IsLocalDomain(string domain)
    {
        return AccountAddress.TryNormalizeDomain(domain, out var normalized) && _domains.Contains(normalized);
    }

    public bool UserExists(string address)
    {
        return AccountAddress.TryNormalize(address, out var normalized, out _) && _passwordHashes.ContainsKey(normalized);
    }

    public bool TryGetPasswordHash(string address, [NotNullWhen(true)] out string? passwordHash)
    {
        passwordHash = null;
        return AccountAddress.TryNormalize(address, out var normalized, out _)
            && _passwordHashes.TryGetValue(normalized, out passwordHash);
    }

    /// <summary>Reads both tables in one read transaction so domains and users are consistent with each other.</summary>
    internal static AccountSnapshot Load(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        var domains = new List<string>();
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT name FROM domains";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                domains.Add(reader.GetString(0));
        }
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT address, password_hash FROM users";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                hashes[reader.GetString(0)] = reader.GetString(1);
        }
        transaction.Commit();
        return new AccountSnapshot(domains.ToFrozenSet(StringComparer.Ordinal), hashes.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
