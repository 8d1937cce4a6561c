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

    [Fact]
    public async Task Patterns_match_utf8_names_and_search_takes_no_charset_after_enable()
    {
        var user = fixture.NextUser();
        await using var modern = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        await using var legacy = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(" OK ", (await legacy.CommandAsync("CREATE &U,BTFw-"))[^1]); // 台北, made by a legacy client
        Assert.Contains(" OK ", (await legacy.CommandAsync("SUBSCRIBE &U,BTFw-"))[^1]);
        Assert.Equal("* ENABLED UTF8=ACCEPT", (await modern.CommandAsync("ENABLE UTF8=ACCEPT"))[0]);
        // RFC 5161: ENABLED lists what this command enabled; it was on already.
        Assert.Equal("* ENABLED", (await modern.CommandAsync("ENABLE UTF8=ACCEPT"))[0]);

        // A pattern with non-ASCII text before a wildcard matches the UTF-8 name (in modified UTF-7 the base64 run of
        // "台" alone differs from that of "台北", so the pattern cannot be matched in the stored form).
        modern.Literals.Clear();
        var list = await modern.CommandAsync("LIST \"\" \"台*\"");
        Assert.Single(list, l => l.StartsWith("* LIST "));
        Assert.Equal("台北", Encoding.UTF8.GetString(Assert.Single(modern.Literals)));
        modern.Literals.Clear();
        var lsub = await modern.CommandAsync("LSUB \"\" \"台%\"");
        Assert.Single(lsub, l => l.StartsWith("* LSUB "));
        Assert.Equal("台北", Encoding.UTF8.GetString(Assert.Single(modern.Literals)));

        // "&" is an ordinary character of a UTF-8 name; the legacy client sees it as "&-".
        Assert.Contains(" OK ", (await modern.CommandAsync("CREATE \"R&D\""))[^1]);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" R&-D", await legacy.CommandAsync("LIST \"\" R*"));

        // RFC 6855 section 3: after ENABLE UTF8=ACCEPT a SEARCH with a CHARSET is BAD; without ENABLE it is fine.
        var message = "From: a@example.org\r\nSubject: Grüße aus 台北\r\n\r\nhi\r\n";
        Assert.Contains(" OK ", (await legacy.AppendAsync("&U,BTFw-", message))[^1]);
        await modern.CommandAsync("SELECT \"台北\"");
        Assert.Matches(@"^t\d+ BAD ", (await modern.CommandAsync("SEARCH CHARSET UTF-8 ALL"))[^1]);
        Assert.Contains("* SEARCH 1", await modern.CommandAsync("SEARCH SUBJECT \"台北\""));
        await legacy.CommandAsync("SELECT &U,BTFw-");
        Assert.Contains("* SEARCH 1", await legacy.CommandAsync("SEARCH CHARSET UTF-8 SUBJECT \"aus\""));
    }

    [Fact]
    public async Task MailKit_with_utf8_enabled_appends_into_a_utf8_folder()
    {
        var user = fixture.NextUser();
        using (var client = new ImapClient { Timeout = 20_000 })
        {
            await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
            await client.AuthenticateAsync(user.Address, user.Password);
            await client.EnableUTF8Async();
            var root = await client.GetFolderAsync(client.PersonalNamespaces[0].Path);
            var folder = await root.CreateAsync("Grüße", isMessageFolder: true);
            var message = new MimeKit.MimeMessage { Subject = "Ünïcödé 台北" };
            message.From.Add(new MimeKit.MailboxAddress("Jörg", "joerg@example.org"));
            message.Body = new MimeKit.TextPart("plain") { Text = "x" };
            await folder.AppendAsync(message);
            await folder.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal("Ünïcödé 台北", (await folder.GetMessageAsync(0)).Subject);
            await client.DisconnectAsync(true);
        }

        // Stored under the modified UTF-7 name an IMAP4rev1 client uses.
        await using var legacy = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains("* STATUS Gr&APwA3w-e (MESSAGES 1)", await legacy.CommandAsync("STATUS Gr&APwA3w-e (MESSAGES)"));
    }
}
