using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// UTF8=ACCEPT (RFC 6855) over real sockets: a client that enabled it names folders in UTF-8 and sees them so,
/// while a legacy client sees the same folders in modified UTF-7.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ImapUtf8AcceptTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    [Fact]
    public async Task Utf8_names_and_modified_utf7_names_are_the_same_folders()
    {
        var user = fixture.NextUser();
        await using var modern = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        await using var legacy = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Equal("* ENABLED UTF8=ACCEPT", (await modern.CommandAsync("ENABLE UTF8=ACCEPT"))[0]);

        Assert.Contains(" OK ", (await modern.CommandAsync("CREATE \"Entwürfe\""))[^1]);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe", await legacy.CommandAsync("LIST \"\" \"Entw*\""));
        // The UTF-8 name comes back as UTF-8 (in a literal: the quoted form is for ASCII here).
        modern.Literals.Clear();
        var listed = await modern.CommandAsync("LIST \"\" \"Entw*\"");
        Assert.StartsWith("* LIST (\\HasNoChildren) \"/\" ", listed[0]);
        Assert.Equal("Entwürfe", Encoding.UTF8.GetString(Assert.Single(modern.Literals)));

        // APPEND with the UTF8 data form into the UTF-8 name; the legacy session counts it in the UTF-7 name.
        var message = "From: Jürgen <j@example.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n";
        var tag = modern.NextTag();
        await modern.Connection.WriteAsync(Encoding.UTF8.GetBytes(
            $"{tag} APPEND \"Entwürfe\" UTF8 (~{{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message})\r\n"));
        Assert.Matches($@"^{tag} OK \[APPENDUID ", (await modern.ReadUntilTaggedAsync(tag))[^1]);
        Assert.Contains("* STATUS Entw&APw-rfe (MESSAGES 1)", await legacy.CommandAsync("STATUS Entw&APw-rfe (MESSAGES)"));
        Assert.Contains("* 1 EXISTS", await modern.CommandAsync("SELECT \"Entwürfe\""));
        // Without ENABLE the UTF-8 spelling is another name altogether (it is not created by the legacy client here).
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await legacy.CommandAsync("SELECT \"Entwürfe\""))[^1]);
    }

    [Fact]
    public async Task MailKit_with_utf8_enabled_creates_and_lists_a_utf8_folder()
    {
        var user = fixture.NextUser();
        using var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.UTF8Accept));
        await client.EnableUTF8Async();

        var root = await client.GetFolderAsync(client.PersonalNamespaces[0].Path);
        var created = await root.CreateAsync("Общее", isMessageFolder: true);
        Assert.Equal("Общее", created.Name);
        var names = (await root.GetSubfoldersAsync()).Select(f => f.Name).ToList();
        Assert.Contains("Общее", names);
        await client.DisconnectAsync(true);

        // A legacy client sees it in modified UTF-7.
        await using var legacy = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(await legacy.CommandAsync("LIST \"\" \"&*\""), l => l.EndsWith(" &BB4EMQRJBDUENQ-"));
    }
}
