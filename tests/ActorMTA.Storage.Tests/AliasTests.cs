using ActorMTA.Storage.Accounts;

namespace ActorMTA.Storage.Tests;

public sealed class AliasTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly AccountDirectory _directory;

    public AliasTests()
    {
        _directory = new AccountDirectory(_temp.Combine("accounts.db"), AccountDirectoryTests.FastOptions);
        _directory.AddDomain("local.test");
        _directory.AddDomain("other.test");
        _directory.AddUser("alice@local.test", "pw");
        _directory.AddUser("bob@local.test", "pw");
    }

    public void Dispose()
    {
        _directory.Dispose();
        _temp.Dispose();
    }

    private AccountSnapshot Snapshot(AliasPolicy? policy = null)
    {
        using var cache = new AccountCache(_temp.Combine("accounts.db"), AccountDirectoryTests.FastOptions with { Aliases = policy ?? new AliasPolicy() });
        return cache.Current;
    }

    [Fact]
    public void Aliases_are_added_normalised_listed_and_deleted()
    {
        _directory.AddAlias("Team@Local.Test", ["BOB@local.test", "alice@local.test", "Carol@Remote.Example"]);
        var alias = Assert.Single(_directory.ListAliases());
        Assert.Equal("team@local.test", alias.Address);
        Assert.Equal("local.test", alias.Domain);
        // Local targets are normalised; a remote local part is kept as written (another server may tell case apart).
        Assert.Equal(["bob@local.test", "alice@local.test", "Carol@remote.example"], alias.Targets);

        _directory.DeleteAlias("team@LOCAL.test");
        Assert.Empty(_directory.ListAliases());
        Assert.Throws<AccountException>(() => _directory.DeleteAlias("team@local.test"));
    }

    [Fact]
    public void An_alias_to_an_unknown_local_user_is_refused()
    {
        var error = Assert.Throws<AccountException>(() => _directory.AddAlias("team@local.test", ["alice@local.test", "nobody@local.test"]));
        Assert.Contains("unknown local user: nobody@local.test", error.Message);
        Assert.Empty(_directory.ListAliases());
    }

    [Theory]
    [InlineData("team@unknown.test", "unknown domain")]
    [InlineData("alice@local.test", "is a user")]
    [InlineData("not-an-address", "malformed")]
    public void Bad_alias_addresses_are_refused(string alias, string message)
    {
        var error = Assert.Throws<AccountException>(() => _directory.AddAlias(alias, ["bob@local.test"]));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Loops_are_refused()
    {
        Assert.Throws<AccountException>(() => _directory.AddAlias("self@local.test", ["self@local.test"]));
        _directory.AddAlias("a@local.test", ["alice@local.test"]);
        _directory.AddAlias("b@local.test", ["a@local.test"]);
        // a -> alice stays; c -> b -> a is fine; a loop needs an alias changed, which means delete + add.
        _directory.AddAlias("c@local.test", ["b@local.test", "c2@remote.example"]);
        Assert.Equal(3, _directory.ListAliases().Count);
    }

    [Fact]
    public void Nothing_an_alias_points_to_can_be_deleted()
    {
        _directory.AddAlias("team@local.test", ["alice@local.test"]);
        _directory.AddAlias("all@local.test", ["team@local.test", "bob@local.test"]);
        Assert.Contains("target of alias", Assert.Throws<AccountException>(() => _directory.DeleteUser("alice@local.test")).Message);
        Assert.Contains("target of alias", Assert.Throws<AccountException>(() => _directory.DeleteAlias("team@local.test")).Message);
        Assert.Throws<AccountException>(() => _directory.AddUser("team@local.test", "pw"));
        _directory.DeleteAlias("all@local.test");
        _directory.DeleteAlias("team@local.test");
        _directory.DeleteUser("alice@local.test");
    }

    [Fact]
    public void Expansion_follows_aliases_recursively_without_duplicates()
    {
        _directory.AddAlias("team@local.test", ["alice@local.test", "bob@local.test"]);
        _directory.AddAlias("all@local.test", ["team@local.test", "alice@local.test", "x@remote.example", "X@Remote.Example"]);
        var expansion = Snapshot().Expand("ALL@local.test");
        Assert.Equal(AddressExpansionStatus.Local, expansion.Status);
        Assert.Equal(["alice@local.test", "bob@local.test"], expansion.Mailboxes);
        Assert.Equal(["x@remote.example", "X@remote.example"], expansion.Forwards);
    }

    [Fact]
    public void Users_unknown_addresses_and_other_domains_expand_as_expected()
    {
        var snapshot = Snapshot();
        Assert.Equal(["alice@local.test"], snapshot.Expand("Alice@LOCAL.test").Mailboxes);
        Assert.Equal(AddressExpansionStatus.UnknownUser, snapshot.Expand("nobody@local.test").Status);
        Assert.Equal(AddressExpansionStatus.UnknownUser, snapshot.Expand("\"quoted user\"@local.test").Status);
        Assert.Equal(AddressExpansionStatus.NotLocal, snapshot.Expand("someone@remote.example").Status);
        Assert.Equal(AddressExpansionStatus.NotLocal, snapshot.Expand("someone@[192.0.2.1]").Status);
    }

    [Theory]
    [InlineData("postmaster")]
    [InlineData("Postmaster")]
    [InlineData("POSTMASTER")]
    [InlineData("postmaster@local.test")]
    [InlineData("PostMaster@other.test")]
    [InlineData("abuse@other.test")]
    public void Postmaster_and_abuse_of_every_local_domain_reach_the_implicit_postmaster_mailbox(string address)
    {
        var snapshot = Snapshot(new AliasPolicy { HostName = "mail.local.test" });
        Assert.Equal("local.test", snapshot.PrimaryDomain);
        var expansion = snapshot.Expand(address);
        Assert.Equal(AddressExpansionStatus.Local, expansion.Status);
        Assert.Equal(["postmaster@local.test"], expansion.Mailboxes);
    }

    [Fact]
    public void Configured_defaults_and_table_aliases_win_over_the_implicit_mailbox()
    {
        var policy = new AliasPolicy { PrimaryDomain = "other.test", DefaultPostmaster = ["alice@local.test"], DefaultAbuse = ["bob@local.test", "abuse-desk@remote.example"] };
        var snapshot = Snapshot(policy);
        Assert.Equal(["alice@local.test"], snapshot.Expand("postmaster").Mailboxes);
        Assert.Equal(["alice@local.test"], snapshot.Expand("postmaster@local.test").Mailboxes);
        Assert.Equal(["bob@local.test"], snapshot.Expand("abuse@other.test").Mailboxes);
        Assert.Equal(["abuse-desk@remote.example"], snapshot.Expand("abuse@other.test").Forwards);

        _directory.AddAlias("postmaster@other.test", ["bob@local.test"]);
        Assert.Equal(["bob@local.test"], Snapshot(policy).Expand("POSTMASTER").Mailboxes);
        Assert.Equal(["alice@local.test"], Snapshot(policy).Expand("postmaster@local.test").Mailboxes);
    }

    [Fact]
    public void A_postmaster_user_gets_the_mail_itself()
    {
        _directory.AddUser("postmaster@other.test", "pw");
        var snapshot = Snapshot(new AliasPolicy { HostName = "other.test" });
        Assert.Equal("other.test", snapshot.PrimaryDomain);
        Assert.Equal(["postmaster@other.test"], snapshot.Expand("postmaster@local.test").Mailboxes);
    }

    [Theory]
    [InlineData("", "mail.local.test", "local.test")]
    [InlineData("", "other.test", "other.test")]
    [InlineData("", "mail.elsewhere.example", "local.test")]
    [InlineData("Other.Test", "mail.local.test", "other.test")]
    public void The_primary_domain_is_configured_or_derived(string configured, string hostName, string expected)
    {
        Assert.Equal(expected, Snapshot(new AliasPolicy { PrimaryDomain = configured, HostName = hostName }).PrimaryDomain);
    }

    [Fact]
    public void Without_local_domains_postmaster_is_kept_at_the_host_name()
    {
        var snapshot = AccountSnapshot.Create([], [], policy: new AliasPolicy { HostName = "mx.example.net" });
        Assert.Equal(["postmaster@mx.example.net"], snapshot.Expand("Postmaster").Mailboxes);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_loop()
    {
        var aliases = new Dictionary<string, IReadOnlyList<string>>
        {
            ["a1@local.test"] = ["a2@local.test"], ["a2@local.test"] = ["a3@local.test"], ["a3@local.test"] = ["alice@local.test"],
            ["x@local.test"] = ["y@local.test", "alice@local.test"], ["y@local.test"] = ["x@local.test"],
        };
        var users = new[] { "alice@local.test" };
        Assert.Equal(AddressExpansionStatus.Local, AccountSnapshot.Create(["local.test"], users, aliases, new AliasPolicy { MaxDepth = 3 }).Expand("a1@local.test").Status);
        Assert.Equal(AddressExpansionStatus.AliasLoop, AccountSnapshot.Create(["local.test"], users, aliases, new AliasPolicy { MaxDepth = 2 }).Expand("a1@local.test").Status);
        Assert.Equal(AddressExpansionStatus.AliasLoop, AccountSnapshot.Create(["local.test"], users, aliases).Expand("x@local.test").Status);
    }

    [Fact]
    public void A_diamond_is_not_a_loop()
    {
        var aliases = new Dictionary<string, IReadOnlyList<string>>
        {
            ["top@local.test"] = ["left@local.test", "right@local.test"],
            ["left@local.test"] = ["alice@local.test"], ["right@local.test"] = ["alice@local.test"],
        };
        var expansion = AccountSnapshot.Create(["local.test"], ["alice@local.test"], aliases).Expand("top@local.test");
        Assert.Equal(["alice@local.test"], expansion.Mailboxes);
    }

    [Fact]
    public void A_domain_with_aliases_cannot_be_removed()
    {
        _directory.AddDomain("third.test");
        _directory.AddAlias("x@third.test", ["alice@local.test"]);
        Assert.Contains("aliases", Assert.Throws<AccountException>(() => _directory.RemoveDomain("third.test")).Message);
    }
}
