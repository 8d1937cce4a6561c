using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Data.Common;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Immutable view of users, local domains and aliases at one moment; safe to share between threads and actors.
/// Arguments are normalised like stored names, so lookups are case-insensitive; malformed input is simply unknown.
/// </summary>
public sealed class AccountSnapshot
{
    private readonly FrozenSet<string> _domains;
    private readonly FrozenDictionary<string, string> _passwordHashes;
    private readonly FrozenDictionary<string, IReadOnlyList<string>> _aliases;

    private AccountSnapshot(FrozenSet<string> domains, FrozenDictionary<string, string> passwordHashes,
        FrozenDictionary<string, IReadOnlyList<string>> aliases, AliasPolicy policy)
    {
        _domains = domains;
        _passwordHashes = passwordHashes;
        _aliases = aliases;
        Policy = policy;
        PrimaryDomain = ChoosePrimaryDomain(domains, policy);
        ImplicitPostmaster = $"{AliasPolicy.Postmaster}@{PrimaryDomain}";
    }

    public static AccountSnapshot Empty { get; } = Create([], []);

    public IReadOnlyCollection<string> Domains => _domains;
    public int UserCount => _passwordHashes.Count;
    public int AliasCount => _aliases.Count;
    public AliasPolicy Policy { get; }

    /// <summary>The domain whose postmaster gets the domainless &lt;Postmaster&gt; (see <see cref="AliasPolicy"/>).</summary>
    public string PrimaryDomain { get; }

    /// <summary>postmaster@<see cref="PrimaryDomain"/>: a mailbox even without such a user, unless configured elsewhere.</summary>
    public string ImplicitPostmaster { get; }

    /// <summary>
    /// A snapshot built in memory (tests, other account stores): users without passwords, aliases by address.
    /// </summary>
    public static AccountSnapshot Create(IEnumerable<string> domains, IEnumerable<string> users,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? aliases = null, AliasPolicy? policy = null)
    {
        return new AccountSnapshot(
            domains.Select(AccountAddress.NormalizeDomain).ToFrozenSet(StringComparer.Ordinal),
            users.ToFrozenDictionary(u => AccountAddress.Normalize(u, out _), _ => "", StringComparer.Ordinal),
            (aliases ?? new Dictionary<string, IReadOnlyList<string>>()).ToFrozenDictionary(
                a => AccountAddress.Normalize(a.Key, out _), a => a.Value, StringComparer.Ordinal),
            policy ?? new AliasPolicy());
    }

    public bool IsLocalDomain(string domain)
    {
        return AccountAddress.TryNormalizeDomain(domain, out var normalized) && _domains.Contains(normalized);
    }

    public bool UserExists(string address)
    {
        return AccountAddress.TryNormalize(address, out var normalized, out _) && _passwordHashes.ContainsKey(normalized);
    }

    public bool AliasExists(string address)
    {
        return AccountAddress.TryNormalize(address, out var normalized, out _) && _aliases.ContainsKey(normalized);
    }

    public bool TryGetPasswordHash(string address, [NotNullWhen(true)] out string? passwordHash)
    {
        passwordHash = null;
        return AccountAddress.TryNormalize(address, out var normalized, out _)
            && _passwordHashes.TryGetValue(normalized, out passwordHash)
            && passwordHash.Length > 0;
    }

    /// <summary>
    /// Where mail for <paramref name="address"/> goes: users are mailboxes; aliases (the table, then the
    /// configured postmaster@/abuse@ defaults) are followed recursively; other domains are not local. The bare
    /// "postmaster" (any case) is postmaster@<see cref="PrimaryDomain"/>. An alias whose targets all lead
    /// nowhere is an unknown user; a loop anywhere makes the whole address a loop.
    /// </summary>
    public AddressExpansion Expand(string address) => new AliasExpander(this).Expand(address);

    /// <summary>True for an address this server keeps mail for: a local domain, or the implicit postmaster.</summary>
    internal bool TryNormalizeOurs(string address, [NotNullWhen(true)] out string? normalized)
    {
        if (!AccountAddress.TryNormalize(address, out normalized, out var domain))
            return false;
        return _domains.Contains(domain) || normalized == ImplicitPostmaster;
    }

    internal bool IsUser(string normalized) => _passwordHashes.ContainsKey(normalized);

    internal bool TryGetAlias(string normalized, [NotNullWhen(true)] out IReadOnlyList<string>? targets) =>
        _aliases.TryGetValue(normalized, out targets);

    internal AccountSnapshot WithAlias(string normalized, IReadOnlyList<string> targets)
    {
        var aliases = new Dictionary<string, IReadOnlyList<string>>(_aliases, StringComparer.Ordinal) { [normalized] = targets };
        return new AccountSnapshot(_domains, _passwordHashes, aliases.ToFrozenDictionary(StringComparer.Ordinal), Policy);
    }

    /// <summary>Reads all tables in one read transaction so domains, users and aliases are consistent with each other.</summary>
    internal static AccountSnapshot Load(DbConnection connection, AliasPolicy policy)
    {
        using var transaction = AccountDatabase.BeginRead(connection);
        var snapshot = Read(transaction, policy);
        transaction.Commit();
        return snapshot;
    }

    internal static AccountSnapshot Read(DbTransaction transaction, AliasPolicy policy)
    {
        var domains = new List<string>();
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var row in Rows(transaction, "SELECT name FROM domains"))
            domains.Add(row.GetString(0));
        foreach (var row in Rows(transaction, "SELECT address, password_hash FROM users"))
            hashes[row.GetString(0)] = row.GetString(1);
        foreach (var row in Rows(transaction, "SELECT address, target FROM aliases ORDER BY address, position"))
        {
            if (!aliases.TryGetValue(row.GetString(0), out var targets))
                aliases[row.GetString(0)] = targets = new List<string>();
            targets.Add(row.GetString(1));
        }
        return new AccountSnapshot(
            domains.ToFrozenSet(StringComparer.Ordinal),
            hashes.ToFrozenDictionary(StringComparer.Ordinal),
            aliases.ToFrozenDictionary(a => a.Key, a => (IReadOnlyList<string>)a.Value.ToArray(), StringComparer.Ordinal),
            policy);
    }

    private static IEnumerable<DbDataReader> Rows(DbTransaction transaction, string sql)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return reader;
    }

    private static string ChoosePrimaryDomain(FrozenSet<string> domains, AliasPolicy policy)
    {
        if (AccountAddress.TryNormalizeDomain(policy.PrimaryDomain, out var configured))
            return configured;
        if (!AccountAddress.TryNormalizeDomain(policy.HostName, out var host))
            host = "localhost";
        if (domains.Contains(host))
            return host;
        var dot = host.IndexOf('.');
        if (dot > 0 && domains.Contains(host[(dot + 1)..]))
            return host[(dot + 1)..];
        return domains.Order(StringComparer.Ordinal).FirstOrDefault() ?? host;
    }
}
