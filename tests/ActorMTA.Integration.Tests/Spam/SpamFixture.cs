using System.Net;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Spam;

/// <summary>
/// dnsmasq with <see cref="SpamZone"/> and one server with the inbound checks on (DNS list bl.test weighing 20, over the
/// reject score of 15), shared by the tests of a class. Each test uses its own sender domain and client address.
/// </summary>
public class SpamFixture : IAsyncLifetime
{
    public static readonly TestUser User = TestUser.Local("spamcheck");

    public SpamZone Zone { get; } = SpamZone.Create();
    public DnsmasqServer Dns { get; private set; } = null!;
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>HOCON appended after the spam block (later keys win).</summary>
    protected virtual string Extra => "";

    public virtual async Task InitializeAsync()
    {
        Dns = await DnsmasqServer.StartAsync(Zone.Config(DnsmasqServer.ClosedUdpPort()));
        Server = await ServerProcess.StartAsync($$"""
            actormta.delivery { dns-servers = ["127.0.0.1:{{Dns.EndPoint.Port}}"], dns-timeout = 1s, dns-retries = 0 }
            actormta.spam {
              enabled = on
              timeout = 10s
              dns-lists = [ { zone = "{{SpamZone.BlocklistZone}}", weight = 20 } ]
            }
            {{Extra}}
            """, [User]);
    }

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Dns.DisposeAsync();
    }

    /// <summary>Sends <paramref name="message"/> from a client bound to <paramref name="clientAddress"/>; the reply to the end of data
    /// (or to the first refused command).</summary>
    public async Task<SmtpReply> SendAsync(string clientAddress, string mailFrom, MimeMessage message, string helo = "client.test") =>
        await SendBytesAsync(clientAddress, mailFrom, SpamZone.Bytes(message), helo);

    public async Task<SmtpReply> SendBytesAsync(string clientAddress, string mailFrom, byte[] message, string helo = "client.test")
    {
        await using var smtp = await SmtpConversation.OpenAsync(Server.Ports.Smtp, localAddress: IPAddress.Parse(clientAddress));
        SmtpConversation.Expect(smtp.Greeting, 220);
        SmtpConversation.Expect(await smtp.CommandAsync("EHLO " + helo), 250);
        var reply = await smtp.SendMessageAsync(mailFrom, [User.Address], message);
        await smtp.QuitAsync();
        return reply;
    }

    /// <summary>The messages of a folder of the test user, whole, over IMAP.</summary>
    public async Task<List<MimeMessage>> FolderAsync(string name)
    {
        using var imap = MailKitClients.Imap();
        await imap.ConnectAsync("127.0.0.1", Server.Ports.Imap, SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(User.Address, User.Password);
        var folder = name == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(name);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var messages = new List<MimeMessage>();
        for (var i = 0; i < folder.Count; i++) messages.Add(await folder.GetMessageAsync(i));
        await imap.DisconnectAsync(true);
        return messages;
    }

    /// <summary>The one message of the folder whose Subject is <paramref name="subject"/>.</summary>
    public async Task<MimeMessage> FindAsync(string folder, string subject) =>
        Assert.Single(await FolderAsync(folder), m => m.Subject == subject);
}
