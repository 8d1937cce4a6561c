using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>MailKit clients set up for the test server (self-signed certificate, no revocation lookups).</summary>
public static class MailKitClients
{
    public static SmtpClient Smtp() => new()
    {
        ServerCertificateValidationCallback = (_, _, _, _) => true,
        CheckCertificateRevocation = false,
        Timeout = 30_000,
    };

    public static Pop3Client Pop3() => new()
    {
        ServerCertificateValidationCallback = (_, _, _, _) => true,
        CheckCertificateRevocation = false,
        Timeout = 30_000,
    };

    public static async Task<Pop3Client> Pop3LoggedInAsync(int port, TestUser user, SecureSocketOptions security = SecureSocketOptions.StartTls)
    {
        var pop = Pop3();
        try
        {
            await pop.ConnectAsync("127.0.0.1", port, security);
            await pop.AuthenticateAsync(user.Address, user.Password);
            return pop;
        }
        catch
        {
            pop.Dispose();
            throw;
        }
    }

    /// <summary>RETR of every message in the mailbox (STLS), as the raw bytes MailKit unstuffed; optionally deleted afterwards.</summary>
    public static async Task<List<byte[]>> FetchAllAsync(int pop3Port, TestUser user, bool delete = true)
    {
        using var pop = await Pop3LoggedInAsync(pop3Port, user);
        var messages = new List<byte[]>();
        for (var i = 0; i < pop.Count; i++)
        {
            await using var stream = await pop.GetStreamAsync(i);
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            messages.Add(buffer.ToArray());
        }
        if (delete && pop.Count > 0) await pop.DeleteAllMessagesAsync();
        await pop.DisconnectAsync(quit: true);
        return messages;
    }

    public static ImapClient Imap() => new()
    {
        ServerCertificateValidationCallback = (_, _, _, _) => true,
        CheckCertificateRevocation = false,
        Timeout = 30_000,
    };

    /// <summary>The raw bytes of every message in INBOX over IMAP (STARTTLS), as BODY.PEEK[] returns them.</summary>
    public static async Task<List<byte[]>> FetchAllImapAsync(int imapPort, TestUser user)
    {
        using var imap = Imap();
        await imap.ConnectAsync("127.0.0.1", imapPort, SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(user.Address, user.Password);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var messages = new List<byte[]>();
        for (var i = 0; i < inbox.Count; i++)
        {
            await using var stream = await inbox.GetStreamAsync(i, "");
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            messages.Add(buffer.ToArray());
        }
        await imap.DisconnectAsync(quit: true);
        return messages;
    }
}
