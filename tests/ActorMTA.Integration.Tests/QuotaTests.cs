using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace ActorMTA.Integration.Tests;

public sealed class QuotaFixture : IAsyncLifetime
{
    /// <summary>20 KiB each, except <see cref="Unlimited"/>.</summary>
    public static readonly TestUser[] Users = Enumerable.Range(1, 10).Select(i => TestUser.Local("quota-" + i)).ToArray();
    public static readonly TestUser Unlimited = TestUser.Local("no-quota");

    private ServerProcess? _server;
    private int _next;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public TestUser NextUser() => Users[Interlocked.Increment(ref _next) - 1];

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync($$"""
        actormta.imap.auth-requires-tls = off
        actormta.mailbox.quota { storage = 20KiB, users { "{{Unlimited.Address}}" = unlimited } }
        """, [.. Users, Unlimited]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// QUOTA (RFC 9208) over real sockets, enforced on IMAP APPEND/COPY and at SMTP RCPT; mail acknowledged before the
/// mailbox filled is delivered even when it then goes over.
/// </summary>
[Trait("Category", "Integration")]
public sealed class QuotaTests(QuotaFixture fixture) : IClassFixture<QuotaFixture>
{
    private static string Message(int bytes) => "From: a@example.org\r\nSubject: q\r\n\r\n" + new string('q', bytes) + "\r\n";

    [Fact]
    public async Task Getquotaroot_reports_the_usage_and_append_over_the_quota_stores_nothing()
    {
        var user = fixture.NextUser();
        await using var imap = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Equal(["* QUOTAROOT INBOX \"\"", "* QUOTA \"\" (STORAGE 0 20)"], (await imap.CommandAsync("GETQUOTAROOT INBOX")).SkipLast(1));

        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", Message(8000)))[^1]);
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", Message(8000)))[^1]);
        var quota = await imap.CommandAsync("GETQUOTA \"\"");
        Assert.Equal("* QUOTA \"\" (STORAGE 16 20)", quota[0]);

        var refused = await imap.AppendAsync("INBOX", Message(8000));
        Assert.Matches(@"^t\d+ NO \[OVERQUOTA\]", refused[^1]);
        Assert.Contains("* STATUS INBOX (MESSAGES 2)", await imap.CommandAsync("STATUS INBOX (MESSAGES)"));
        // COPY of both would need 16 KiB more: refused, and nothing copied.
        await imap.CommandAsync("SELECT INBOX");
        Assert.Matches(@"^t\d+ NO \[OVERQUOTA\]", (await imap.CommandAsync("COPY 1:2 Trash"))[^1]);
        Assert.Contains("* STATUS Trash (MESSAGES 0)", await imap.CommandAsync("STATUS Trash (MESSAGES)"));
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await imap.CommandAsync("SETQUOTA \"\" (STORAGE 99999)"))[^1]);
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await imap.CommandAsync("GETQUOTA \"other\""))[^1]);
        // Deleting frees the space again.
        await imap.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await imap.CommandAsync("EXPUNGE");
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", Message(8000)))[^1]);
    }

    [Fact]
    public async Task A_mailbox_without_a_quota_has_no_quota_root()
    {
        await using var imap = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, QuotaFixture.Unlimited);
        Assert.Equal(["* QUOTAROOT INBOX"], (await imap.CommandAsync("GETQUOTAROOT INBOX")).SkipLast(1));
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await imap.CommandAsync("GETQUOTA \"\""))[^1]);
    }

    [Fact]
    public async Task Smtp_refuses_a_full_mailbox_at_rcpt_yet_delivers_what_it_acknowledged_before()
    {
        var user = fixture.NextUser();
        var big = Encoding.ASCII.GetBytes(Message(12_000));
        await using var smtp = await SmtpConversation.OpenReadyAsync(fixture.Server.Ports.Smtp);
        // A SIZE larger than the whole quota can never fit: 552 5.2.2.
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<a@example.org> SIZE=30000"), 250);
        var tooLarge = await smtp.CommandAsync($"RCPT TO:<{user.Address}>");
        Assert.Equal((552, "5.2.2"), (tooLarge.Code, tooLarge.EnhancedCode));
        SmtpConversation.Expect(await smtp.CommandAsync("RSET"), 250);

        // 12 KiB, then 12 KiB more: the second was acknowledged while there was room, so it is delivered (24 KiB > 20 KiB).
        SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [user.Address], big), 250);
        SmtpConversation.Expect(await smtp.SendMessageAsync("a@example.org", [user.Address], big), 250);
        // Now the mailbox is full: 452 4.2.2 (temporary: the sender retries after the user deleted mail).
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<a@example.org>"), 250);
        var full = await smtp.CommandAsync($"RCPT TO:<{user.Address}>");
        Assert.Equal((452, "4.2.2"), (full.Code, full.EnhancedCode));
        // Another recipient of the same transaction without a quota is still accepted.
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{QuotaFixture.Unlimited.Address}>"), 250);

        await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(fixture.Server.Ports.Pop3, user);
        Assert.Equal(2, (await pop3.StatAsync()).Count);
    }

    /// <summary>A message of exactly <paramref name="bytes"/> octets (at least 100).</summary>
    private static string MessageOf(int bytes)
    {
        var text = new StringBuilder("From: a@example.org\r\nSubject: exact\r\n\r\n");
        while (bytes - text.Length >= 100) text.Append('x', 98).Append("\r\n");
        if (bytes - text.Length >= 2) text.Append('y', bytes - text.Length - 2).Append("\r\n");
        Assert.Equal(bytes, text.Length);
        return text.ToString();
    }

    [Fact]
    public async Task Usage_counts_every_folder_a_full_mailbox_may_still_move_status_tells_deleted_storage_and_a_missing_folder_has_no_quota_root()
    {
        var user = fixture.NextUser();
        await using var imap = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", MessageOf(3000)))[^1]);
        Assert.Contains(" OK ", (await imap.AppendAsync("Sent", MessageOf(5000)))[^1]);
        Assert.Equal("* QUOTA \"\" (STORAGE 8 20)", (await imap.CommandAsync("GETQUOTAROOT Sent"))[1]);

        // Up to the limit exactly still fits; one octet more does not.
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", MessageOf(20 * 1024 - 8000)))[^1]);
        Assert.Equal("* QUOTA \"\" (STORAGE 20 20)", (await imap.CommandAsync("GETQUOTA \"\""))[0]);
        Assert.Matches(@"^t\d+ NO \[OVERQUOTA\]", (await imap.AppendAsync("INBOX", MessageOf(100)))[^1]);

        // MOVE does not change the usage: allowed when full.
        Assert.Contains("* 2 EXISTS", await imap.CommandAsync("SELECT INBOX"));
        Assert.Matches(@"^t\d+ OK ", (await imap.CommandAsync("MOVE 1 Trash"))[^1]);
        Assert.Contains("* STATUS Trash (MESSAGES 1)", await imap.CommandAsync("STATUS Trash (MESSAGES)"));

        // RFC 9208 section 4.4: what an EXPUNGE would free (DELETED-STORAGE in KiB, rounded up).
        Assert.Contains(" OK ", (await imap.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.Contains($"* STATUS INBOX (MESSAGES 1 DELETED 1 DELETED-STORAGE {(20 * 1024 - 8000 + 1023) / 1024})",
            await imap.CommandAsync("STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)"));
        Assert.Contains("* STATUS Trash (DELETED 0 DELETED-STORAGE 0)", await imap.CommandAsync("STATUS Trash (DELETED DELETED-STORAGE)"));

        // RFC 9208 section 4.3: GETQUOTAROOT of a mailbox that does not exist is NO.
        var missing = await imap.CommandAsync("GETQUOTAROOT Nowhere");
        Assert.Equal([], missing.SkipLast(1));
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", missing[^1]);
    }

    [Fact]
    public async Task Two_transactions_accepted_at_once_are_both_stored_even_over_the_quota()
    {
        var user = fixture.NextUser();
        // Both RCPTs are accepted while the mailbox is empty; together (each sent without SIZE=) they go over the quota.
        await using var first = await SmtpConversation.OpenReadyAsync(fixture.Server.Ports.Smtp);
        await using var second = await SmtpConversation.OpenReadyAsync(fixture.Server.Ports.Smtp);
        foreach (var smtp in new[] { first, second })
        {
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<a@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        }
        await first.Connection.WriteAsync(SmtpConversation.DotStuffed(Encoding.ASCII.GetBytes(MessageOf(15_000))));
        await second.Connection.WriteAsync(SmtpConversation.DotStuffed(Encoding.ASCII.GetBytes(MessageOf(15_000))));
        SmtpConversation.Expect(await first.ReadReplyAsync(), 250);
        SmtpConversation.Expect(await second.ReadReplyAsync(), 250);

        await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(fixture.Server.Ports.Pop3, user);
        Assert.Equal(2, (await pop3.StatAsync()).Count);
    }

    [Fact]
    public async Task MailKit_reads_the_quota_of_a_folder()
    {
        var user = fixture.NextUser();
        using var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Quota));
        await client.Inbox.AppendAsync(MimeKit.MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(Message(5000)))));

        var quota = await client.Inbox.GetQuotaAsync();
        Assert.Equal((20u, 5u), (quota.StorageLimit, quota.CurrentStorageSize));
        await client.DisconnectAsync(true);
    }
}
