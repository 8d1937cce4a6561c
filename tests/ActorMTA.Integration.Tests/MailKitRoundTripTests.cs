using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// MailKit's SMTP client on each SMTP listener, MailKit's POP3 client (STLS) to read back: what was
/// sent comes back byte-exact behind the Return-Path: and Received: fields the server adds.
/// </summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MailKitRoundTripTests(SharedServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Plain_smtp_to_a_local_user_comes_back_byte_exact()
    {
        var user = SharedServerFixture.MailKitPlain;
        var (message, bytes) = Build("outside@example.org", user.Address, "plain smtp");

        using (var smtp = MailKitClients.Smtp())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.Ports.Smtp, SecureSocketOptions.None);
            Assert.False(smtp.IsAuthenticated);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(quit: true);
        }

        await AssertSingleStoredMessageAsync(user, bytes, expectedProtocol: "ESMTP ");
    }

    [Fact]
    public async Task Submission_with_starttls_and_auth_comes_back_byte_exact()
    {
        var user = SharedServerFixture.MailKitSubmission;
        var (message, bytes) = Build(user.Address, user.Address, "submission");

        using (var smtp = MailKitClients.Smtp())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.Ports.Submission, SecureSocketOptions.StartTls);
            Assert.True(smtp.IsSecure);
            await smtp.AuthenticateAsync(user.Address, user.Password);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(quit: true);
        }

        await AssertSingleStoredMessageAsync(user, bytes, expectedProtocol: "ESMTPSA ");
    }

    [Fact]
    public async Task Implicit_tls_submission_comes_back_byte_exact()
    {
        var user = SharedServerFixture.MailKitSmtps;
        var (message, bytes) = Build(user.Address, user.Address, "smtps");

        using (var smtp = MailKitClients.Smtp())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.Ports.Smtps, SecureSocketOptions.SslOnConnect);
            Assert.True(smtp.IsSecure);
            await smtp.AuthenticateAsync(user.Address, user.Password);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(quit: true);
        }

        await AssertSingleStoredMessageAsync(user, bytes, expectedProtocol: "ESMTPSA ");
    }

    /// <summary>
    /// A MIME message with a text part and a binary attachment, written with CRLF line ends. The
    /// message handed to MailKit is parsed back from those bytes, so what goes on the wire is those
    /// bytes (MimeKit re-writes an unmodified parsed message verbatim).
    /// </summary>
    private static (MimeMessage Message, byte[] Bytes) Build(string from, string to, string subject)
    {
        var token = Guid.NewGuid().ToString("N");
        var original = new MimeMessage();
        original.From.Add(MailboxAddress.Parse(from));
        original.To.Add(MailboxAddress.Parse(to));
        original.Subject = $"MailKit {subject} {token}";
        original.MessageId = $"{token}@mailkit.client.test";
        original.Date = DateTimeOffset.Now;
        var body = new BodyBuilder { TextBody = $"Hello over {subject}.\r\n.a line starting with a dot\r\n..and two\r\nToken {token}\r\n" };
        var attachment = new byte[20_000];
        Random.Shared.NextBytes(attachment);
        body.Attachments.Add("random.bin", attachment, new ContentType("application", "octet-stream"));
        original.Body = body.ToMessageBody();

        var bytes = Serialize(original);
        var message = MimeMessage.Load(new MemoryStream(bytes));
        Assert.Equal(bytes, Serialize(message)); // guards the premise above
        return (message, bytes);
    }

    private static byte[] Serialize(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        var buffer = new MemoryStream();
        message.WriteTo(options, buffer);
        return buffer.ToArray();
    }

    private async Task AssertSingleStoredMessageAsync(TestUser user, byte[] sent, string expectedProtocol)
    {
        var stored = await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user);
        var only = Assert.Single(stored);
        var (_, received, rest) = StoredMessage.SplitTrace(only);
        Assert.Contains($"by {ServerProcess.HostName}", received);
        Assert.Contains($"with {expectedProtocol}", received);
        Assert.True(sent.AsSpan().SequenceEqual(rest), StoredMessage.Difference(sent, rest));
    }
}
