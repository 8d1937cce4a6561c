using ActorMTA.Storage.Accounts;
using Microsoft.Data.Sqlite;

namespace ActorMTA.Storage.Tests;

public sealed class AccountDirectoryTests : IDisposable
{
    // Few iterations keep the tests fast; the format and the algorithm are the same.
    internal static readonly AccountOptions FastOptions = new(Pbkdf2Iterations: 1000);

    private readonly TempDirectory _temp = new();
    private readonly AccountDirectory _directory;

    public AccountDirectoryTests()
    {
        _directory = new AccountDirectory(DatabasePath, FastOptions);
    }

    private string DatabasePath => _temp.Combine("accounts.db");

    public void Dispose()
    {
        _directory.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Domains_are_added_normalised_and_listed()
    {
        _directory.AddDomain("Example.COM");
        _directory.AddDomain("xn--bcher-kva.example");

        Assert.Equal(["bücher.example", "example.com"], _directory.ListDomains());
    }

    [Fact]
    public void Adding_a_domain_twice_is_refused()
    {
        _directory.AddDomain("example.com");
        var error = Assert.Throws<AccountException>(() => _directory.AddDomain("EXAMPLE.com"));
        Assert.Contains("already exists", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-bad.example")]
    [InlineData("bad..example")]
    [InlineData("under_score.example")]
    [InlineData("[127.0.0.1]")]
    public void Malformed_domains_are_refused(string domain)
    {
        Assert.Throws<AccountException>(() => _directory.AddDomain(domain));
    }

    [Fact]
    public void Users_are_added_listed_and_deleted()
    {
        _directory.AddDomain("local.test");
        _directory.AddDomain("other.test");
        _directory.AddUser("Alice@Local.Test", "secret-a");
        _directory.AddUser("bob@other.test", "secret-b");

        var users = _directory.ListUsers();
        Assert.Equal(["alice@local.test", "bob@other.test"], users.Select(u => u.Address));
        Assert.Equal("local.test", users[0].Domain);
        Assert.InRange(users[0].CreatedUtc, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(DateTimeKind.Utc, users[0].CreatedUtc.Kind);
        Assert.Equal(["bob@other.test"], _directory.ListUsers("OTHER.test").Select(u => u.Address));

        _directory.DeleteUser("ALICE@local.test");

        Assert.Equal(["bob@other.test"], _directory.ListUsers().Select(u => u.Address));
    }

    [Fact]
    public void Utf8_local_parts_are_accepted_and_lower_cased()
    {
        _directory.AddDomain("local.test");
        _directory.AddUser("JOSÉ@local.test", "pw");
        Assert.Equal(["josé@local.test"], _directory.ListUsers().Select(u => u.Address));
    }

    [Fact]
    public void Duplicate_user_is_refused_case_insensitively()
    {
        _directory.AddDomain("local.test");
        _directory.AddUser("alice@local.test", "one");

        var error = Assert.Throws<AccountException>(() => _directory.AddUser("ALICE@LOCAL.TEST", "two"));
        Assert.Equal("user already exists: alice@local.test", error.Message);
    }

    [Fact]
    public void User_in_unknown_domain_is_refused()
    {
        var error = Assert.Throws<AccountException>(() => _directory.AddUser("alice@nowhere.test", "pw"));
        Assert.StartsWith("unknown domain: nowhere.test", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(_directory.ListUsers());
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("@local.test")]
    [InlineData("alice@")]
    [InlineData(".alice@local.test")]
    [InlineData("al..ice@local.test")]
    [InlineData("al ice@local.test")]
    [InlineData("\"quoted\"@local.test")]
    public void Malformed_address_is_refused(string address)
    {
        _directory.AddDomain("local.test");
        var error = Assert.Throws<AccountException>(() => _directory.AddUser(address, "pw"));
        Assert.StartsWith("malformed address", error.Message);
    }

    [Fact]
    public void Empty_password_is_refused()
    {
        _directory.AddDomain("local.test");
        Assert.Throws<AccountException>(() => _directory.AddUser("alice@local.test", ""));
    }

    [Fact]
    public void Deleting_or_changing_an_unknown_user_is_reported()
    {
        _directory.AddDomain("local.test");
        Assert.Throws<AccountException>(() => _directory.DeleteUser("ghost@local.test"));
        Assert.Throws<AccountException>(() => _directory.SetPassword("ghost@local.test", "pw"));
    }

    [Fact]
    public void Domain_with_users_cannot_be_removed_until_they_are_gone()
    {
        _directory.AddDomain("local.test");
        _directory.AddUser("alice@local.test", "pw");

        Assert.Throws<AccountException>(() => _directory.RemoveDomain("local.test"));
        _directory.DeleteUser("alice@local.test");
        _directory.RemoveDomain("LOCAL.test");

        Assert.Empty(_directory.ListDomains());
        Assert.Throws<AccountException>(() => _directory.RemoveDomain("local.test"));
    }

    [Fact]
    public void Stored_hash_has_the_documented_format_and_no_plaintext()
    {
        _directory.AddDomain("local.test");
        _directory.AddUser("alice@local.test", "correct horse battery staple");

        var stored = ReadStoredHash("alice@local.test");

        var parts = stored.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("1000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.DoesNotContain("correct horse", stored);
        Assert.DoesNotContain("correct horse", File.ReadAllText(DatabasePath));
        Assert.True(PasswordHasher.Verify("correct horse battery staple", stored));
    }

    [Fact]
    public void SetPassword_replaces_the_hash()
    {
        _directory.AddDomain("local.test");
        _directory.AddUser("alice@local.test", "old");
        var before = ReadStoredHash("alice@local.test");

        _directory.SetPassword("Alice@local.test", "new");

        var after = ReadStoredHash("alice@local.test");
        Assert.NotEqual(before, after);
        Assert.True(PasswordHasher.Verify("new", after));
        Assert.False(PasswordHasher.Verify("old", after));
    }

    [Fact]
    public void Database_uses_wal_mode()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    private string ReadStoredHash(string address)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE address = $address";
        command.Parameters.AddWithValue("$address", address);
        return (string)command.ExecuteScalar()!;
    }
}
