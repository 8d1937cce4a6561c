using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>LIST-EXTENDED (RFC 5258) and LIST-STATUS (RFC 5819) over real sockets: raw protocol and MailKit.</summary>
[Trait("Category", "Integration")]
public sealed class ImapListExtendedTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private async Task<(RawImapSession Session, TestUser User)> MailboxWithFoldersAsync()
    {
        var user = fixture.NextUser();
        var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        foreach (var command in new[] { "CREATE Projects/Alpha", "CREATE Projects/Beta", "SUBSCRIBE Projects/Alpha", "SUBSCRIBE Gone" })
            Assert.Contains(" OK ", (await a.CommandAsync(command))[^1]);
        Assert.Contains(" OK ", (await a.AppendAsync("Projects/Alpha", "Subject: one\r\n\r\nbody\r\n"))[^1]);
        Assert.Contains(" OK ", (await a.AppendAsync("Projects/Alpha", "Subject: two\r\n\r\nbody\r\n", "\\Seen"))[^1]);
        return (a, user);
    }

    [Fact]
    public async Task List_return_status_sends_each_folders_status_right_after_its_list_response()
    {
        var (a, _) = await MailboxWithFoldersAsync();
        await using var _a = a;

        var lines = await a.CommandAsync("LIST \"\" \"Projects/*\" RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.Equal([
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Projects/Alpha",
            "* STATUS Projects/Alpha (MESSAGES 2 UNSEEN 1)",
            "* LIST (\\HasNoChildren) \"/\" Projects/Beta",
            "* STATUS Projects/Beta (MESSAGES 0 UNSEEN 0)",
        ], lines.SkipLast(1));
        Assert.Contains(" OK ", lines[^1]);
    }

    [Fact]
    public async Task Subscribed_selection_lists_subscribed_names_with_nonexistent_ones_and_recursivematch_adds_childinfo()
    {
        var (a, _) = await MailboxWithFoldersAsync();
        await using var _a = a;

        var subscribed = await a.CommandAsync("LIST (SUBSCRIBED) \"\" \"*\"");
        Assert.Contains("* LIST (\\NonExistent \\Subscribed) \"/\" Gone", subscribed);
        Assert.Contains("* LIST (\\HasNoChildren \\Subscribed) \"/\" Projects/Alpha", subscribed);
        Assert.DoesNotContain(subscribed, l => l.Contains("Projects/Beta"));

        var recursive = await a.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)");
        Assert.Contains("* LIST (\\HasChildren) \"/\" Projects (\"CHILDINFO\" (\"SUBSCRIBED\"))", recursive);
        Assert.DoesNotContain(recursive, l => l.Contains("Projects/Alpha"));

        var patterns = await a.CommandAsync("LIST \"\" (\"INBOX\" \"Projects/B%\")");
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" INBOX", "* LIST (\\HasNoChildren) \"/\" Projects/Beta"], patterns.SkipLast(1));

        var special = await a.CommandAsync("LIST (SPECIAL-USE) \"\" \"*\"");
        Assert.All(special.SkipLast(1), l => Assert.Matches(@"\\(Sent|Drafts|Trash|Junk)\)", l));
        Assert.Equal(4, special.Count - 1);
    }

    [Fact]
    public async Task MailKit_reads_folder_counts_from_list_status()
    {
        var (a, user) = await MailboxWithFoldersAsync();
        await a.DisposeAsync();
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ListStatus));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ListExtended));

        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count | StatusItems.Unread);
        var alpha = Assert.Single(folders, f => f.FullName == "Projects/Alpha");
        Assert.Equal((2, 1), (alpha.Count, alpha.Unread));
        var subscribed = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: true);
        Assert.Contains(subscribed, f => f.FullName == "Projects/Alpha");
        await client.DisconnectAsync(true);
    }
}
