using System.Globalization;
using System.Data.Common;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Users, local domains and aliases in <c>accounts.db</c>, as changed by <c>actormta user|domain|alias ...</c>.
/// Addresses and domains are normalised (<see cref="AccountAddress"/>); passwords are stored only as PBKDF2 hashes.
/// Users and aliases never share an address, and nothing an alias points to can be deleted, so every alias
/// always leads somewhere.
/// A running server does not use this class: it reads through <see cref="AccountCache"/>, which notices changes.
/// </summary>
public sealed class AccountDirectory : IDisposable
{
    private readonly DbConnection _connection;
    private readonly AccountOptions _options;
    private readonly Lock _gate = new();

    public AccountDirectory(string databasePath, AccountOptions? options = null) : this(AccountStoreLocation.Sqlite(databasePath), options)
    {
    }

    public AccountDirectory(AccountStoreLocation location, AccountOptions? options = null)
    {
        _options = options ?? new AccountOptions();
        _options.Validate();
        _connection = AccountDatabase.Open(location, _options);
    }

    public void AddDomain(string domain)
    {
        var name = AccountAddress.NormalizeDomain(domain);
        InTransaction(transaction =>
        {
            if (DomainExists(transaction, name))
                throw new AccountException($"domain already exists: {name}");
            Execute(transaction, "INSERT INTO domains(name) VALUES (@name)", ("@name", name));
        });
    }

    /// <summary>Removes a domain that has no users left.</summary>
    public void RemoveDomain(string domain)
    {
        var name = AccountAddress.NormalizeDomain(domain);
        InTransaction(transaction =>
        {
            if (!DomainExists(transaction, name))
                throw new AccountException($"unknown domain: {name}");
            var users = Convert.ToInt64(Scalar(transaction, "SELECT COUNT(*) FROM users WHERE domain = @name", ("@name", name)));
            if (users > 0)
                throw new AccountException($"domain {name} still has {users} user(s); delete them first");
            if (Scalar(transaction, "SELECT address FROM aliases WHERE domain = @name LIMIT 1", ("@name", name)) is string alias)
                throw new AccountException($"domain {name} still has aliases ({alias}); delete them first");
            Execute(transaction, "DELETE FROM domains WHERE name = @name", ("@name", name));
        });
    }

    public IReadOnlyList<string> ListDomains()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT name FROM domains ORDER BY name";
            using var reader = command.ExecuteReader();
            var domains = new List<string>();
            while (reader.Read())
                domains.Add(reader.GetString(0));
            return domains;
        }
    }

    public void AddUser(string address, string password)
    {
        var normalized = AccountAddress.Normalize(address, out var domain);
        var hash = HashPassword(password);
        InTransaction(transaction =>
        {
            if (!DomainExists(transaction, domain))
                throw new AccountException($"unknown domain: {domain} (add it first with 'actormta domain add {domain}')");
            if (Scalar(transaction, "SELECT 1 FROM users WHERE address = @address", ("@address", normalized)) is not null)
                throw new AccountException($"user already exists: {normalized}");
            if (AliasExists(transaction, normalized))
                throw new AccountException($"{normalized} is an alias; delete the alias first");
            Execute(transaction,
                "INSERT INTO users(address, domain, password_hash, created_utc) VALUES (@address, @domain, @hash, @created)",
                ("@address", normalized), ("@domain", domain), ("@hash", hash),
                ("@created", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
        });
    }

    public void DeleteUser(string address)
    {
        var normalized = AccountAddress.Normalize(address, out _);
        InTransaction(transaction =>
        {
            RefuseIfTarget(transaction, normalized, "user");
            if (Execute(transaction, "DELETE FROM users WHERE address = @address", ("@address", normalized)) == 0)
                throw new AccountException($"unknown user: {normalized}");
        });
    }

    public void SetPassword(string address, string password)
    {
        var normalized = AccountAddress.Normalize(address, out _);
        var hash = HashPassword(password);
        InTransaction(transaction =>
        {
            if (Execute(transaction, "UPDATE users SET password_hash = @hash WHERE address = @address",
                    ("@hash", hash), ("@address", normalized)) == 0)
                throw new AccountException($"unknown user: {normalized}");
        });
    }

    /// <summary>All users, or those of one domain, ordered by address.</summary>
    public IReadOnlyList<AccountUser> ListUsers(string? domain = null)
    {
        var domainFilter = domain is null ? null : AccountAddress.NormalizeDomain(domain);
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = domainFilter is null
                ? "SELECT address, domain, created_utc FROM users ORDER BY address"
                : "SELECT address, domain, created_utc FROM users WHERE domain = @domain ORDER BY address";
            if (domainFilter is not null)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@domain";
                parameter.Value = domainFilter;
                command.Parameters.Add(parameter);
            }
            using var reader = command.ExecuteReader();
            var users = new List<AccountUser>();
            while (reader.Read())
            {
                var created = DateTime.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                users.Add(new AccountUser(reader.GetString(0), reader.GetString(1), created));
            }
            return users;
        }
    }

    /// <summary>
    /// Creates an alias of a local domain for one or more targets: local users, other aliases, postmaster@/abuse@
    /// of a local domain, or addresses elsewhere (forwarded). A local target that leads nowhere, or a loop, is refused.
    /// </summary>
    public void AddAlias(string alias, IReadOnlyList<string> targets)
    {
        var normalized = AccountAddress.Normalize(alias, out var domain);
        if (targets.Count == 0)
            throw new AccountException("an alias needs at least one target");
        InTransaction(transaction =>
        {
            if (!DomainExists(transaction, domain))
                throw new AccountException($"unknown domain: {domain} (add it first with 'actormta domain add {domain}')");
            if (AliasExists(transaction, normalized))
                throw new AccountException($"alias already exists: {normalized}");
            if (Scalar(transaction, "SELECT 1 FROM users WHERE address = @address", ("@address", normalized)) is not null)
                throw new AccountException($"{normalized} is a user; an alias cannot have the address of a user");
            var snapshot = AccountSnapshot.Read(transaction, _options.Aliases);
            var stored = new List<string>();
            foreach (var target in targets)
            {
                if (!AccountAddress.TryNormalizeTarget(target, out var checkedTarget, out var targetDomain))
                    throw new AccountException($"malformed address: '{target}' (expected local@domain)");
                // Local targets are stored in the form lookups use; others keep their local part as written.
                if (snapshot.IsLocalDomain(targetDomain))
                    checkedTarget = AccountAddress.Normalize(checkedTarget, out _);
                if (!stored.Contains(checkedTarget))
                    stored.Add(checkedTarget);
            }
            var after = snapshot.WithAlias(normalized, stored);
            foreach (var target in stored.Where(t => t != normalized && after.TryNormalizeOurs(t, out _)))
                if (after.Expand(target).Status == AddressExpansionStatus.UnknownUser)
                    throw new AccountException($"unknown local user: {target} (add the user or alias first)");
            if (after.Expand(normalized).Status == AddressExpansionStatus.AliasLoop)
                throw new AccountException($"alias {normalized} would make a loop (or nest deeper than {_options.Aliases.MaxDepth})");
            for (var i = 0; i < stored.Count; i++)
                Execute(transaction, "INSERT INTO aliases(address, position, domain, target) VALUES (@address, @position, @domain, @target)",
                    ("@address", normalized), ("@position", i), ("@domain", domain), ("@target", stored[i]));
        });
    }

    public void DeleteAlias(string alias)
    {
        var normalized = AccountAddress.Normalize(alias, out _);
        InTransaction(transaction =>
        {
            RefuseIfTarget(transaction, normalized, "alias");
            if (Execute(transaction, "DELETE FROM aliases WHERE address = @address", ("@address", normalized)) == 0)
                throw new AccountException($"unknown alias: {normalized}");
        });
    }

    /// <summary>All aliases with their targets in the order given, ordered by address.</summary>
    public IReadOnlyList<AccountAlias> ListAliases()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT address, domain, target FROM aliases ORDER BY address, position";
            using var reader = command.ExecuteReader();
            var aliases = new List<AccountAlias>();
            var targets = new List<string>();
            string? address = null, domain = null;
            while (reader.Read())
            {
                if (reader.GetString(0) != address)
                {
                    if (address is not null)
                        aliases.Add(new AccountAlias(address, domain!, targets.ToArray()));
                    (address, domain) = (reader.GetString(0), reader.GetString(1));
                    targets.Clear();
                }
                targets.Add(reader.GetString(2));
            }
            if (address is not null)
                aliases.Add(new AccountAlias(address, domain!, targets.ToArray()));
            return aliases;
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _connection.Dispose();
    }

    private static bool AliasExists(DbTransaction transaction, string normalized) =>
        Scalar(transaction, "SELECT 1 FROM aliases WHERE address = @address LIMIT 1", ("@address", normalized)) is not null;

    private static void RefuseIfTarget(DbTransaction transaction, string normalized, string what)
    {
        if (Scalar(transaction, "SELECT address FROM aliases WHERE target = @target LIMIT 1", ("@target", normalized)) is string alias)
            throw new AccountException($"{what} {normalized} is a target of alias {alias}; change that alias first");
    }

    private string HashPassword(string password)
    {
        if (string.IsNullOrEmpty(password))
            throw new AccountException("password must not be empty");
        return PasswordHasher.Hash(password, _options.Pbkdf2Iterations);
    }

    // Writes take the lock up front (BEGIN IMMEDIATE) so check-then-insert cannot race the other process.
    private void InTransaction(Action<DbTransaction> work)
    {
        lock (_gate)
        {
            using var transaction = AccountDatabase.BeginWrite(_connection);
            work(transaction);
            transaction.Commit();
        }
    }

    private static bool DomainExists(DbTransaction transaction, string name)
    {
        return Scalar(transaction, "SELECT 1 FROM domains WHERE name = @name", ("@name", name)) is not null;
    }

    private static object? Scalar(DbTransaction transaction, string sql, params (string Name, object Value)[] parameters) =>
        AccountDatabase.Scalar(transaction.Connection!, transaction, sql, parameters);

    private static int Execute(DbTransaction transaction, string sql, params (string Name, object Value)[] parameters) =>
        AccountDatabase.Execute(transaction.Connection!, transaction, sql, parameters);
}
