using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// A full disk (issue 15, defects 2 and 6): the server's data dir is a small tmpfs in a private mount namespace,
/// filled with a filler file. Storage errors are answered (452 4.3.1, NO [OVERQUOTA]) and the session goes on; reading
/// and deleting mail works while the disk is full; mail acknowledged before stays; service resumes when space returns.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StorageFullTests
{
    private static readonly TimeSpan Resample = TimeSpan.FromMilliseconds(1500);

    // Free space is sampled every 200 ms in these tests, so waiting Resample sees a change.
    private const string FastSampling = "actormta.storage.free-space-check-interval = 200ms\n";

    private static byte[] Message(string subject, int bodyBytes = 0)
    {
        var text = new StringBuilder($"From: a@client.test\r\nTo: b@{ServerProcess.Domain}\r\nSubject: {subject}\r\n\r\n");
        var line = new string('x', 76);
        for (var written = 0; written < bodyBytes; written += line.Length + 2) text.Append(line).Append("\r\n");
        text.Append("end of ").Append(subject).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    [Fact]
    public async Task Data_that_does_not_fit_gets_452_and_the_session_goes_on()
    {
        var user = TestUser.Local("full-data");
        await using var server = await ServerProcess.StartOnSmallDiskAsync(48,
            FastSampling + "actormta.storage.min-free-space = 0\nactormta.storage.reserved-space = 1MiB", [user]);
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("before"));

        server.FillDisk(leaveBytes: 512 * 1024);
        await Task.Delay(Resample);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        var refused = await smtp.SendMessageAsync("a@client.test", [user.Address], Message("too big for the disk", 3 * 1024 * 1024));
        Assert.True(refused.Code == 452 && refused.EnhancedCode == "4.3.1", $"DATA on a full disk: {refused}");
        SmtpConversation.Expect(await smtp.CommandAsync("RSET"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("NOOP"), 250);
        // The refused message filled the disk until it was dropped; a free-space sample taken meanwhile keeps MAIL
        // FROM at 452 until the next one (a fair answer while the disk was full), so the next sample is awaited.
        await Task.Delay(Resample);

        // BDAT: the chunk is read to its end, refused, and the session stays in step.
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<a@client.test>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
        var chunk = Message("bdat too big", 2 * 1024 * 1024);
        await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes($"BDAT {chunk.Length} LAST\r\n"));
        await smtp.Connection.WriteAsync(chunk);
        var bdat = await smtp.ReadReplyAsync();
        Assert.True(bdat.Code == 452 && bdat.EnhancedCode == "4.3.1", $"BDAT on a full disk: {bdat}");
        SmtpConversation.Expect(await smtp.CommandAsync("NOOP"), 250);

        server.FreeDisk();
        await Task.Delay(Resample);
        var mail = await smtp.CommandAsync("MAIL FROM:<a@client.test>");
        Assert.True(mail.Code == 250, $"MAIL FROM once space is back: {mail}\n{server.Output}");
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        await smtp.Connection.WriteAsync(SmtpConversation.DotStuffed(Message("after")));
        var accepted = await smtp.ReadReplyAsync();
        Assert.True(accepted.Code == 250, $"DATA once space is back: {accepted}\n{server.Output}");
        await smtp.QuitAsync();

        var stored = (await MailKitClients.FetchAllAsync(server.Ports.Pop3, user, delete: false)).Select(Encoding.ASCII.GetString).ToList();
        Assert.Equal(2, stored.Count);
        Assert.Contains(stored, m => m.Contains("Subject: before"));
        Assert.Contains(stored, m => m.Contains("Subject: after"));
    }

    [Fact]
    public async Task Mail_from_gets_452_below_min_free_space_and_size_is_checked_against_free_space()
    {
        var user = TestUser.Local("full-mail");
        await using var server = await ServerProcess.StartOnSmallDiskAsync(64,
            FastSampling + "actormta.storage.min-free-space = 8MiB\nactormta.storage.reserved-space = 1MiB\nactormta.smtp.max-message-size = 30000000", [user]);
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("before"));

        server.FillDisk(leaveBytes: 20 * 1024 * 1024);
        await Task.Delay(Resample);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<a@client.test> SIZE=100000"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("RSET"), 250);
        var tooLargeForDisk = await smtp.CommandAsync("MAIL FROM:<a@client.test> SIZE=15000000");
        Assert.True(tooLargeForDisk.Code == 452 && tooLargeForDisk.EnhancedCode == "4.3.1", $"SIZE above the free space: {tooLargeForDisk}");
        var overLimit = await smtp.CommandAsync("MAIL FROM:<a@client.test> SIZE=40000000");
        Assert.True(overLimit.Code == 552 && overLimit.EnhancedCode == "5.3.4", $"SIZE above the message size limit: {overLimit}");

        server.FillDisk(leaveBytes: 4 * 1024 * 1024);
        await Task.Delay(Resample);
        var low = await smtp.CommandAsync("MAIL FROM:<a@client.test>");
        Assert.True(low.Code == 452 && low.EnhancedCode == "4.3.1", $"MAIL FROM below min-free-space: {low}");
        SmtpConversation.Expect(await smtp.CommandAsync("NOOP"), 250);

        server.FreeDisk();
        await Task.Delay(Resample);
        SmtpConversation.Expect(await smtp.SendMessageAsync("a@client.test", [user.Address], Message("after")), 250);
        await smtp.QuitAsync();
        Assert.Equal(2, (await MailKitClients.FetchAllAsync(server.Ports.Pop3, user, delete: false)).Count);
    }

    [Fact]
    public async Task Pop3_dele_and_quit_work_on_a_full_disk_and_give_the_space_back()
    {
        var user = TestUser.Local("full-pop");
        await using var server = await ServerProcess.StartOnSmallDiskAsync(48, FastSampling, [user]);
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("first", 1024 * 1024));
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("second", 1024 * 1024));

        server.FillDisk();
        await Task.Delay(Resample);
        var full = server.DiskAvailable();
        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, user))
        {
            Assert.Equal(2, (await pop.StatAsync()).Count);
            Assert.Contains("Subject: first", Encoding.ASCII.GetString(await pop.RetrAsync(1)));
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            var quit = await pop.QuitAsync();
            Assert.True(quit.StartsWith("+OK", StringComparison.Ordinal), $"QUIT after DELE on a full disk: {quit}");
        }

        await Task.Delay(Resample);
        // The 1 MiB message is gone from the disk (the reserve released for the journal write may be back already).
        Assert.True(server.DiskAvailable() > full + 512 * 1024, $"space after DELE: {server.DiskAvailable()} bytes, before {full}");
        Assert.Contains("released the storage reserve", server.Output);
        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, user))
        {
            Assert.Equal(1, (await pop.StatAsync()).Count);
            Assert.Contains("Subject: second", Encoding.ASCII.GetString(await pop.RetrAsync(1)));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }
    }

    [Fact]
    public async Task Imap_first_login_fetch_append_and_expunge_work_on_a_full_disk()
    {
        var user = TestUser.Local("full-imap");
        await using var server = await ServerProcess.StartOnSmallDiskAsync(48, FastSampling, [user]);
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("first", 1024 * 1024));
        await SmtpConversation.DeliverAsync(server.Ports.Smtp, "a@client.test", user.Address, Message("second"));

        server.FillDisk();
        await Task.Delay(Resample);
        var full = server.DiskAvailable();
        using (var imap = MailKitClients.Imap())
        {
            imap.Timeout = 8_000;
            await imap.ConnectAsync("127.0.0.1", server.Ports.Imap, SecureSocketOptions.StartTls);
            // The first login would create the special-use folders: it must not need to.
            await imap.AuthenticateAsync(user.Address, user.Password);
            var inbox = imap.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            Assert.Equal(2, inbox.Count);
            var first = await inbox.GetMessageAsync(0);
            Assert.Equal("first", first.Subject);

            var append = await Assert.ThrowsAsync<ImapCommandException>(() =>
                inbox.AppendAsync(new MimeMessage(new[] { MailboxAddress.Parse("a@client.test") }, new[] { MailboxAddress.Parse(user.Address) }, "appended",
                    new TextPart("plain") { Text = "no room" })));
            Assert.Equal(ImapCommandResponse.No, append.Response);
            Assert.Contains("disk space", append.ResponseText);
            await imap.NoOpAsync();

            await inbox.AddFlagsAsync(0, MessageFlags.Deleted, silent: true);
            await inbox.ExpungeAsync();
            Assert.Equal(1, inbox.Count);
            await imap.DisconnectAsync(quit: true);
        }

        await Task.Delay(Resample);
        Assert.True(server.DiskAvailable() > full + 512 * 1024, $"space after EXPUNGE: {server.DiskAvailable()} bytes, before {full}");
        var left = await MailKitClients.FetchAllImapAsync(server.Ports.Imap, user);
        Assert.Single(left);
        Assert.Contains("Subject: second", Encoding.ASCII.GetString(left[0]));
    }

    [Fact]
    public async Task Start_on_a_full_disk_exits_1_with_one_line()
    {
        var (server, exitCode, stderr) = await ServerProcess.LaunchOnFullDiskAsync(16, [TestUser.Local("full-start")]);
        await using (server)
        {
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(exitCode == 1 && lines.Length == 1, $"exit code {exitCode}, stderr:\n{stderr}\nstdout:\n{server.Output}");
            Assert.StartsWith("actormta: ", lines[0]);
            Assert.True(lines[0].Contains("no space left on device", StringComparison.Ordinal), lines[0]);
        }
    }
}
