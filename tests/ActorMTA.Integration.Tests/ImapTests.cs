using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>One server for the IMAP tests; each test has its own mailbox.</summary>
public sealed class ImapServerFixture : IAsyncLifetime
{
    public static readonly TestUser Fetching = TestUser.Local("imap-fetch");
    public static readonly TestUser Implicit = TestUser.Local("imap-implicit");
    public static readonly TestUser Flags = TestUser.Local("imap-flags");
    public static readonly TestUser Appending = TestUser.Local("imap-append");
    public static readonly TestUser Folders = TestUser.Local("imap-folders");
    public static readonly TestUser Idling = TestUser.Local("imap-idle");
    public static readonly TestUser Shared = TestUser.Local("imap-shared");
    public static readonly TestUser PopView = TestUser.Local("imap-pop");
    public static readonly TestUser Searching = TestUser.Local("imap-search");
    public static readonly TestUser Raw = TestUser.Local("imap-raw");
    public static readonly TestUser Literals = TestUser.Local("imap-literals");
    public static readonly TestUser Large = TestUser.Local("imap-large");
    public static readonly TestUser Python = TestUser.Local("imap-python");
    public static readonly TestUser Sections = TestUser.Local("imap-sections");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("imap server not started");

    public async Task InitializeAsync() =>
        _server = await ServerProcess.StartAsync("", [Fetching, Implicit, Flags, Appending, Folders, Idling, Shared, PopView, Searching, Raw, Literals, Large, Python, Sections]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>IMAP4rev1 over real sockets with MailKit's ImapClient, against mail delivered by SMTP.</summary>
[Trait("Category", "Integration")]
public sealed class ImapTests(ImapServerFixture fixture) : IClassFixture<ImapServerFixture>
{
    private ServerProcess Server => fixture.Server;

    private const string MultipartMessage =
        "From: Alice <alice@example.org>\r\n" +
        "To: bob@local.test\r\n" +
        "Subject: Quarterly report\r\n" +
        "Message-ID: <report-1@example.org>\r\n" +
        "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n" +
        "\r\n" +
        "--XYZ\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        "Numbers are up.\r\n" +
        "--XYZ\r\n" +
        "Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "AAECAwQFBgcICQ==\r\n" +
        "--XYZ--\r\n";

    private static ImapClient NewClient() => new()
    {
        ServerCertificateValidationCallback = (_, _, _, _) => true,
        CheckCertificateRevocation = false,
        Timeout = 30_000,
    };

    private async Task<ImapClient> LoginAsync(TestUser user, bool implicitTls = false)
    {
        var client = NewClient();
        await client.ConnectAsync("127.0.0.1", implicitTls ? Server.Ports.Imaps : Server.Ports.Imap,
            implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user.Address, user.Password);
        return client;
    }

    private Task DeliverAsync(TestUser user, string subject, string? raw = null) =>
        SmtpConversation.DeliverAsync(Server.Ports.Smtp, "sender@example.org", user.Address,
            Encoding.UTF8.GetBytes(raw ?? $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: {subject}\r\n\r\n{subject}\r\n"));

    [Fact]
    public async Task Nested_part_mime_header_and_selected_header_fields_come_back_byte_exact()
    {
        var user = ImapServerFixture.Sections;
        const string htmlMime = "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        var raw =
            $"From: Alice <alice@example.org>\r\nTo: {user.Address}\r\nSubject: nested parts\r\nMessage-ID: <nested-1@example.org>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
            "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n" +
            "--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\n" +
            "--inner\r\n" + htmlMime + "<p>html text</p>\r\n" +
            "--inner--\r\n" +
            "--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n" +
            "--outer--\r\n";
        await DeliverAsync(user, "", raw);

        using var client = await LoginAsync(user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var uid = (await inbox.SearchAsync(SearchQuery.All)).Single();

        async Task<string> SectionAsync(string section)
        {
            await using var stream = await inbox.GetStreamAsync(uid, section);
            var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        Assert.Equal(htmlMime, await SectionAsync("1.2.MIME"));
        Assert.Equal("<p>html text</p>", await SectionAsync("1.2"));
        Assert.Equal("Subject: nested parts\r\nFrom: Alice <alice@example.org>\r\n\r\n", NormalizeOrder(await SectionAsync("HEADER.FIELDS (SUBJECT FROM)")));

        // HEADER.FIELDS keeps the stored order; compare as a set of lines plus the closing blank line.
        static string NormalizeOrder(string fields)
        {
            var lines = fields.Split("\r\n").Where(l => l.Length > 0).OrderByDescending(l => l.StartsWith("Subject")).ToList();
            return string.Join("\r\n", lines) + "\r\n\r\n";
        }
    }

    [Fact]
    public async Task Starttls_login_lists_special_folders_and_fetches_envelope_structure_and_exact_part_bytes()
    {
        var user = ImapServerFixture.Fetching;
        await DeliverAsync(user, "", MultipartMessage);

        using var client = await LoginAsync(user);
        Assert.True(client.IsSecure);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        var names = folders.Select(f => f.FullName).ToList();
        foreach (var expected in new[] { "INBOX", "Sent", "Drafts", "Trash", "Junk" }) Assert.Contains(expected, names);
        Assert.True(folders.Single(f => f.FullName == "Sent").Attributes.HasFlag(FolderAttributes.Sent));

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inbox.Count);
        var summary = (await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure
            | MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Flags)).Single();
        Assert.Equal("Quarterly report", summary.Envelope.Subject);
        Assert.Equal("alice@example.org", summary.Envelope.From.Mailboxes.Single().Address);
        Assert.Equal("report-1@example.org", summary.Envelope.MessageId.Trim('<', '>'));
        var multipart = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal(2, multipart.BodyParts.Count);
        Assert.Equal("application/octet-stream", multipart.BodyParts[1].ContentType.MimeType, ignoreCase: true);
        Assert.False(summary.Flags!.Value.HasFlag(MessageFlags.Seen));

        // BODY[2] is the encoded part exactly as stored.
        await using var part = await inbox.GetStreamAsync(summary.UniqueId, "2");
        var bytes = new MemoryStream();
        await part.CopyToAsync(bytes);
        Assert.Equal("AAECAwQFBgcICQ==", Encoding.ASCII.GetString(bytes.ToArray())); // the CRLF before a boundary belongs to it

        var message = await inbox.GetMessageAsync(summary.UniqueId); // BODY.PEEK[]: stays unseen
        Assert.Equal("Numbers are up.", message.TextBody.Trim());
        Assert.False((await inbox.FetchAsync([summary.UniqueId], MessageSummaryItems.Flags)).Single().Flags!.Value.HasFlag(MessageFlags.Seen));

        // A non-PEEK body fetch (MailKit always peeks, so by hand) sets \Seen and reports it.
        await using (var raw = await TextConnection.ConnectAsync(Server.Ports.Imaps, implicitTls: true))
        {
            Assert.StartsWith("* OK", await raw.ReadLineAsync());
            await raw.WriteLineAsync($"a1 LOGIN {user.Address} {user.Password}");
            Assert.StartsWith("a1 OK", await ReadTaggedAsync(raw, "a1"));
            await raw.WriteLineAsync("a2 SELECT INBOX");
            Assert.StartsWith("a2 OK [READ-WRITE]", await ReadTaggedAsync(raw, "a2"));
            await raw.WriteLineAsync("a3 FETCH 1 (BODY[1])");
            var lines = new List<string>();
            var tagged = await ReadTaggedAsync(raw, "a3", lines);
            Assert.StartsWith("a3 OK", tagged);
            Assert.Contains("* 1 FETCH (BODY[1] {15}", lines);
            Assert.Contains("Numbers are up.)", lines); // 15 bytes: the literal ends where the boundary CRLF starts
            Assert.Contains(lines, l => l.StartsWith("* 1 FETCH (FLAGS (") && l.Contains("\\Seen"));
        }
        await inbox.CheckAsync();
        Assert.True((await inbox.FetchAsync([summary.UniqueId], MessageSummaryItems.Flags)).Single().Flags!.Value.HasFlag(MessageFlags.Seen));
        await client.DisconnectAsync(true);
    }

    private static async Task<string> ReadTaggedAsync(TextConnection raw, string tag, List<string>? untagged = null)
    {
        while (true)
        {
            var line = await raw.ReadLineAsync() ?? throw new InvalidOperationException("connection closed");
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return line;
            untagged?.Add(line);
        }
    }

    [Fact]
    public async Task Implicit_tls_port_greets_after_handshake_and_logs_in()
    {
        var user = ImapServerFixture.Implicit;
        using var client = await LoginAsync(user, implicitTls: true);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, client.Inbox.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Plaintext_login_is_refused_until_starttls()
    {
        await using var raw = await TextConnection.ConnectAsync(Server.Ports.Imap);
        var greeting = await raw.ReadLineAsync();
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1", greeting);
        Assert.Contains("STARTTLS", greeting);
        Assert.Contains("LOGINDISABLED", greeting);
        await raw.WriteLineAsync("a1 LOGIN someone secret");
        Assert.StartsWith("a1 NO [PRIVACYREQUIRED]", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a2 FOO");
        Assert.StartsWith("a2 BAD", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a3 NOOP");
        Assert.Equal("a3 OK NOOP completed", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a4 LOGOUT");
        Assert.StartsWith("* BYE", await raw.ReadLineAsync());
        Assert.StartsWith("a4 OK", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task Store_copy_move_and_expunge_change_the_folder()
    {
        var user = ImapServerFixture.Flags;
        await DeliverAsync(user, "one");
        await DeliverAsync(user, "two");
        await DeliverAsync(user, "three");

        using var client = await LoginAsync(user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(3, inbox.Count);
        var uids = await inbox.SearchAsync(SearchQuery.All);

        await inbox.AddFlagsAsync(uids[0], MessageFlags.Flagged, true);
        var flagged = (await inbox.FetchAsync([uids[0]], MessageSummaryItems.Flags)).Single();
        Assert.True(flagged.Flags!.Value.HasFlag(MessageFlags.Flagged));

        var trash = await client.GetFolderAsync("Trash");
        var copied = await inbox.CopyToAsync(uids[0], trash);
        Assert.NotNull(copied);
        var moved = await inbox.MoveToAsync(uids[1], trash);
        Assert.NotNull(moved);
        Assert.Equal(2, inbox.Count);

        await inbox.AddFlagsAsync(uids[2], MessageFlags.Deleted, true);
        await inbox.ExpungeAsync();
        Assert.Equal(1, inbox.Count);
        var left = (await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId)).Single();
        Assert.Equal(uids[0], left.UniqueId);
        Assert.Equal("one", left.Envelope.Subject);

        var status = await StatusAsync(trash);
        Assert.Equal(2, status);
        await client.DisconnectAsync(true);
    }

    private static async Task<int> StatusAsync(IMailFolder folder)
    {
        await folder.StatusAsync(StatusItems.Count);
        return folder.Count;
    }

    [Fact]
    public async Task Append_keeps_flags_and_date_and_answers_appenduid()
    {
        var user = ImapServerFixture.Appending;
        using var client = await LoginAsync(user);
        var drafts = await client.GetFolderAsync("Drafts");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("me@local.test"));
        message.To.Add(MailboxAddress.Parse("you@example.org"));
        message.Subject = "Draft in progress";
        message.Body = new TextPart("plain") { Text = "Not done yet." };
        var date = new DateTimeOffset(2025, 12, 24, 18, 30, 0, TimeSpan.FromHours(1));

        var uid = await drafts.AppendAsync(new AppendRequest(message, MessageFlags.Draft | MessageFlags.Seen) { InternalDate = date });
        Assert.NotNull(uid);

        await drafts.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await drafts.FetchAsync([uid!.Value], MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope)).Single();
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Draft));
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Seen));
        Assert.Equal(date, summary.InternalDate);
        Assert.Equal("Draft in progress", summary.Envelope.Subject);
        var body = await drafts.GetMessageAsync(uid.Value);
        Assert.Equal("Not done yet.", body.TextBody.Trim());
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Create_rename_delete_and_status_of_folders()
    {
        var user = ImapServerFixture.Folders;
        using var client = await LoginAsync(user);
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var projects = await root.CreateAsync("Projects", true);
        Assert.Equal("Projects", projects.FullName);
        await projects.RenameAsync(root, "Archive");
        var names = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.Contains("Archive", names);
        Assert.DoesNotContain("Projects", names);

        var archive = await client.GetFolderAsync("Archive");
        await archive.StatusAsync(StatusItems.Count | StatusItems.UidNext | StatusItems.UidValidity);
        Assert.Equal(0, archive.Count);
        await archive.DeleteAsync();
        names = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.DoesNotContain("Archive", names);

        // Renaming onto an existing name is refused by the server (MailKit does not check this itself).
        var one = await root.CreateAsync("One", true);
        await root.CreateAsync("Two", true);
        await Assert.ThrowsAsync<ImapCommandException>(() => one.RenameAsync(root, "Two"));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Idle_reports_exists_within_a_second_of_an_smtp_delivery()
    {
        var user = ImapServerFixture.Idling;
        using var client = await LoginAsync(user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, inbox.Count);

        var arrived = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(DateTime.UtcNow);
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(200); // the IDLE command is on its way
        await DeliverAsync(user, "wake up");
        var delivered = DateTime.UtcNow;
        var finished = await Task.WhenAny(arrived.Task, Task.Delay(5000));
        done.Cancel();
        await idle;
        Assert.Same(arrived.Task, finished);
        Assert.True(arrived.Task.Result - delivered < TimeSpan.FromSeconds(1), $"EXISTS came {arrived.Task.Result - delivered} after the delivery");
        Assert.Equal(1, inbox.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Two_sessions_see_each_others_flag_changes()
    {
        var user = ImapServerFixture.Shared;
        await DeliverAsync(user, "shared");
        using var first = await LoginAsync(user);
        using var second = await LoginAsync(user);
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var changed = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        second.Inbox.MessageFlagsChanged += (_, e) => changed.TrySetResult(e.Flags);
        await first.Inbox.AddFlagsAsync(0, MessageFlags.Answered, true);
        await second.NoOpAsync();
        Assert.True(changed.Task.IsCompleted, "the second session got no FETCH FLAGS");
        Assert.True(changed.Task.Result.HasFlag(MessageFlags.Answered));
        await first.DisconnectAsync(true);
        await second.DisconnectAsync(true);
    }

    [Fact]
    public async Task Message_expunged_over_imap_is_gone_over_pop3()
    {
        var user = ImapServerFixture.PopView;
        await DeliverAsync(user, "keep");
        await DeliverAsync(user, "remove");
        using (var client = await LoginAsync(user))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var remove = await client.Inbox.SearchAsync(SearchQuery.SubjectContains("remove"));
            Assert.Single(remove);
            await client.Inbox.AddFlagsAsync(remove, MessageFlags.Deleted, true);
            await client.Inbox.ExpungeAsync(remove);
            await client.DisconnectAsync(true);
        }
        var messages = await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user, delete: false);
        var single = Assert.Single(messages);
        Assert.Contains("Subject: keep", Encoding.ASCII.GetString(single));
    }

    [Fact]
    public async Task Search_by_flags_header_size_and_uid()
    {
        var user = ImapServerFixture.Searching;
        await DeliverAsync(user, "alpha report");
        await DeliverAsync(user, "beta", $"From: carol@example.net\r\nTo: {user.Address}\r\nSubject: beta\r\n\r\n{new string('x', 5000)}\r\n");
        using var client = await LoginAsync(user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var all = await inbox.SearchAsync(SearchQuery.All);
        Assert.Equal(2, all.Count);
        Assert.Equal(all[0], Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("ALPHA"))));
        Assert.Equal(all[1], Assert.Single(await inbox.SearchAsync(SearchQuery.FromContains("carol"))));
        Assert.Equal(all[1], Assert.Single(await inbox.SearchAsync(SearchQuery.LargerThan(4000))));
        Assert.Equal(2, (await inbox.SearchAsync(SearchQuery.NotSeen)).Count);
        await inbox.AddFlagsAsync(all[0], MessageFlags.Seen, true);
        Assert.Equal(all[1], Assert.Single(await inbox.SearchAsync(SearchQuery.NotSeen)));
        Assert.Equal(all[0], Assert.Single(await inbox.SearchAsync(SearchQuery.Uids([all[0]]))));
        Assert.Equal(2, (await inbox.SearchAsync(SearchQuery.DeliveredAfter(DateTime.UtcNow.Date.AddDays(-1)))).Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Authenticate_plain_with_continuation_and_literals_of_both_kinds()
    {
        var user = ImapServerFixture.Literals;
        await using var raw = await TextConnection.ConnectAsync(Server.Ports.Imaps, implicitTls: true);
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1", await raw.ReadLineAsync());

        await raw.WriteLineAsync("a1 AUTHENTICATE PLAIN");
        Assert.Equal("+ ", await raw.ReadLineAsync());
        await raw.WriteLineAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user.Address}\0wrong-password")));
        Assert.StartsWith("a1 NO [AUTHENTICATIONFAILED]", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a2 AUTHENTICATE PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user.Address}\0{user.Password}")));
        Assert.StartsWith("a2 OK", await raw.ReadLineAsync());

        // A synchronizing literal is invited with "+", a LITERAL+ one is not.
        var message = "Subject: literal\r\n\r\nbody\r\n";
        await raw.WriteLineAsync($"a3 APPEND INBOX (\\Flagged) {{{message.Length}}}");
        Assert.StartsWith("+ ", await raw.ReadLineAsync());
        await raw.WriteLineAsync(message);
        var appended = await ReadTaggedAsync(raw, "a3");
        Assert.Matches(@"^a3 OK \[APPENDUID \d+ 1\]", appended);
        await raw.WriteLineAsync($"a4 APPEND INBOX {{{message.Length}+}}\r\n{message}");
        Assert.Matches(@"^a4 OK \[APPENDUID \d+ 2\]", await ReadTaggedAsync(raw, "a4"));
        await raw.WriteLineAsync("a5 SELECT {5+}\r\nINBOX");
        var lines = new List<string>();
        Assert.StartsWith("a5 OK", await ReadTaggedAsync(raw, "a5", lines));
        Assert.Contains("* 2 EXISTS", lines);
        await raw.WriteLineAsync("a6 UID FETCH 1:* (FLAGS RFC822.SIZE)");
        lines.Clear();
        Assert.StartsWith("a6 OK", await ReadTaggedAsync(raw, "a6", lines));
        Assert.Contains(lines, l => l.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Flagged") && l.EndsWith($"RFC822.SIZE {message.Length})"));
        Assert.Contains(lines, l => l.StartsWith("* 2 FETCH (UID 2 FLAGS ("));
        await raw.WriteLineAsync("a7 FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])");
        lines.Clear();
        Assert.StartsWith("a7 OK", await ReadTaggedAsync(raw, "a7", lines));
        Assert.Contains("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {20}", lines); // the field and the blank line that ends the header
        Assert.Contains("Subject: literal", lines);
    }

    [Fact]
    public async Task Large_part_is_streamed_byte_exact_and_partial_fetches_slice_it()
    {
        var user = ImapServerFixture.Large;
        var payload = new byte[300_000];
        new Random(42).NextBytes(payload);
        var base64 = Convert.ToBase64String(payload, Base64FormattingOptions.InsertLineBreaks);
        var raw = "From: sender@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
            "--B\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            base64 + "\r\n--B--\r\n";
        await DeliverAsync(user, "", raw);

        using var client = await LoginAsync(user);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var uid = (await client.Inbox.SearchAsync(SearchQuery.All)).Single();
        await using (var part = await client.Inbox.GetStreamAsync(uid, "2"))
        {
            var bytes = new MemoryStream();
            await part.CopyToAsync(bytes);
            Assert.Equal(base64, Encoding.ASCII.GetString(bytes.ToArray()));
        }
        await using (var slice = await client.Inbox.GetStreamAsync(uid, "2", 100_000, 1000))
        {
            var bytes = new MemoryStream();
            await slice.CopyToAsync(bytes);
            Assert.Equal(base64.Substring(100_000, 1000), Encoding.ASCII.GetString(bytes.ToArray()));
        }
        var message = await client.Inbox.GetMessageAsync(uid);
        var attachment = message.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "application/octet-stream");
        var decoded = new MemoryStream();
        await attachment.Content.DecodeToAsync(decoded);
        Assert.Equal(payload, decoded.ToArray());
        await client.DisconnectAsync(true);
    }
}

/// <summary>The same mailbox through Python's imaplib (Debian's python3), a second real client.</summary>
[Trait("Category", "Integration")]
public sealed class ImaplibTests(ImapServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ImapServerFixture>
{
    [Fact]
    public async Task Imaplib_reads_flags_searches_copies_and_expunges()
    {
        var server = fixture.Server;
        var user = ImapServerFixture.Python;
        var (exit, text) = await PythonScript.RunAsync("imap_roundtrip.py",
            "127.0.0.1", server.Ports.Smtp.ToString(), server.Ports.Imap.ToString(), user.Address, user.Password);
        output.WriteLine(text);
        Assert.True(exit == 0, $"imaplib client failed (exit {exit}):\n{text}");
    }
}
