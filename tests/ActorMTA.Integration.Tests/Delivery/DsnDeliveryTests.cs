using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// RFC 3461 through a running server: NOTIFY and RET as a client gives them decide our reports, the parameters
/// go on to a receiver that offers DSN, a receiver without it makes us report "relayed"; the Return-Path the
/// server writes for local delivery is not relayed; 8-bit mail is converted for a receiver without 8BITMIME.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DsnDeliveryTests(DsnDeliveryTests.Bed bed, ITestOutputHelper output) : IClassFixture<DsnDeliveryTests.Bed>
{
    private const string PlainMx = "127.0.0.2";
    private const string DsnMx = "127.0.0.3";
    private const string SevenBitMx = "127.0.0.4";
    private const string RejectingMx = "127.0.0.5";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly TestUser NotifySender = TestUser.Local("dsn-notify");
    private static readonly TestUser RetHeadersSender = TestUser.Local("dsn-ret-hdrs");
    private static readonly TestUser RetFullSender = TestUser.Local("dsn-ret-full");
    private static readonly TestUser RelayedSender = TestUser.Local("dsn-relayed");
    private static readonly TestUser PassOnSender = TestUser.Local("dsn-pass-on");
    private static readonly TestUser ReturnPathSender = TestUser.Local("dsn-return-path");
    private static readonly TestUser EightBitSender = TestUser.Local("dsn-8bit");

    public sealed class Bed : IAsyncLifetime
    {
        public DeliveryTestBed TestBed { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            TestBed = await DeliveryTestBed.StartAsync(
            [
                new RemoteDomain("plain.test", PlainMx),
                new RemoteDomain("dsn.test", DsnMx),
                new RemoteDomain("sevenbit.test", SevenBitMx),
                new RemoteDomain("reject.test", RejectingMx),
            ], [NotifySender, RetHeadersSender, RetFullSender, RelayedSender, PassOnSender, ReturnPathSender, EightBitSender]);
            TestBed.Receiver(DsnMx).AdvertiseDsn = true;
            TestBed.Receiver(SevenBitMx).Advertise8BitMime = false;
            TestBed.Receiver(RejectingMx).Mode = ActorMTA.TestSupport.ReceiverMode.Scripted;
            TestBed.Receiver(RejectingMx).DefaultOutcome = ActorMTA.TestSupport.ScriptedOutcome.RejectRecipients();
        }

        public async Task DisposeAsync()
        {
            if (TestBed is not null) await TestBed.DisposeAsync();
        }
    }

    private DeliveryTestBed TestBed => bed.TestBed;

    /// <summary>Submits with the given MAIL parameters and (recipient, RCPT parameters); requires 250 everywhere.</summary>
    private async Task SubmitAsync(TestUser sender, string mailParameters, IReadOnlyList<(string To, string Parameters)> recipients, byte[] message)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(TestBed.Server.Ports.Submission, startTls: true, auth: sender);
        SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{sender.Address}> {mailParameters}".TrimEnd()), 250);
        foreach (var (to, parameters) in recipients)
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{to}> {parameters}".TrimEnd()), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        await smtp.Connection.WriteAsync(SmtpConversation.DotStuffed(message));
        SmtpConversation.Expect(await smtp.ReadReplyAsync(), 250);
        await smtp.QuitAsync();
    }

    /// <summary>The one message carrying <paramref name="token"/> at the receiver (tests share receivers, so others may arrive too).</summary>
    private async Task<ActorMTA.TestSupport.ReceivedSmtpMessage> ReceivedAsync(string receiver, string token)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var matching = TestBed.Receiver(receiver).Messages.Where(m => m.Text.Contains(token, StringComparison.Ordinal)).ToList();
            if (matching.Count > 0) return Assert.Single(matching);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no message {token} at {receiver}\n{TestBed.ServerTail()}");
            await Task.Delay(50);
        }
    }

    private static string Token(string what) => what + "-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Notify_never_gets_no_bounce_while_notify_failure_on_the_same_message_does()
    {
        var token = Token("notify");
        await SubmitAsync(NotifySender, "ENVID=" + token,
            [("never@reject.test", "NOTIFY=NEVER"), ("failure@reject.test", "NOTIFY=FAILURE ORCPT=rfc822;first@reject.test")],
            DeliveryTestBed.Message(NotifySender.Address, "failure@reject.test", token));

        var raw = Assert.Single(await TestBed.WaitForMailboxAsync(NotifySender, 1, Wait));
        await Task.Delay(TimeSpan.FromSeconds(1)); // a second report would have come by now
        Assert.Single(await TestBed.MailboxAsync(NotifySender));
        var dsn = DeliveryStatusReport.Parse(raw);
        output.WriteLine(Encoding.UTF8.GetString(raw));

        Assert.Equal("rfc822; failure@reject.test", dsn.Recipient["Final-Recipient"]);
        Assert.Equal("rfc822; first@reject.test", dsn.Recipient["Original-Recipient"]);
        Assert.Equal("failed", dsn.Recipient["Action"]);
        Assert.Equal(token, dsn.PerMessage["Original-Envelope-Id"]);
        Assert.DoesNotContain("never@reject.test", Encoding.UTF8.GetString(raw));
    }

    [Theory]
    [InlineData("RET=HDRS", "text/rfc822-headers")]
    [InlineData("RET=FULL", "message/rfc822")]
    public async Task Ret_decides_whether_the_bounce_returns_headers_or_the_message(string ret, string returnedType)
    {
        var token = Token("ret");
        var secret = "body line " + token;
        var sender = ret == "RET=FULL" ? RetFullSender : RetHeadersSender;
        await SubmitAsync(sender, ret, [("someone@reject.test", "")],
            DeliveryTestBed.Message(sender.Address, "someone@reject.test", token, secret + "\r\n"));

        var raw = Assert.Single(await TestBed.WaitForMailboxAsync(sender, 1, Wait));

        var returned = Assert.IsType<MultipartReport>(DeliveryStatusReport.Parse(raw).Message.Body)[2];
        Assert.Equal(returnedType, returned.ContentType.MimeType);
        Assert.Equal(ret == "RET=FULL", Encoding.UTF8.GetString(raw).Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_success_recipient_relayed_to_a_receiver_without_dsn_is_reported_relayed()
    {
        var token = Token("relayed");
        await SubmitAsync(RelayedSender, "", [("bob@plain.test", "NOTIFY=SUCCESS,FAILURE"), ("carol@plain.test", "")],
            DeliveryTestBed.Message(RelayedSender.Address, "bob@plain.test", token));

        var received = await ReceivedAsync(PlainMx, token);
        Assert.All(received.RecipientParameters, p => Assert.Equal("", p));
        var raw = Assert.Single(await TestBed.WaitForMailboxAsync(RelayedSender, 1, Wait));
        var dsn = DeliveryStatusReport.Parse(raw);

        Assert.Equal("relayed", dsn.Recipient["Action"]);
        Assert.Equal("rfc822; bob@plain.test", dsn.Recipient["Final-Recipient"]);
        Assert.StartsWith("2.", dsn.Recipient["Status"]?.Trim());
    }

    [Fact]
    public async Task The_parameters_go_on_to_a_receiver_with_dsn_which_takes_over_the_reports()
    {
        var token = Token("pass-on");
        await SubmitAsync(PassOnSender, "RET=HDRS ENVID=" + token,
            [("bob@dsn.test", "NOTIFY=SUCCESS ORCPT=rfc822;bob+2Bold@dsn.test"), ("carol@dsn.test", "NOTIFY=NEVER")],
            DeliveryTestBed.Message(PassOnSender.Address, "bob@dsn.test", token));

        var received = await ReceivedAsync(DsnMx, token);

        Assert.Contains("RET=HDRS", received.MailParameters);
        Assert.Contains("ENVID=" + token, received.MailParameters);
        Assert.Equal(["bob@dsn.test", "carol@dsn.test"], received.Recipients);
        Assert.Equal(["NOTIFY=SUCCESS ORCPT=rfc822;bob+2Bold@dsn.test", "NOTIFY=NEVER ORCPT=rfc822;carol@dsn.test"], received.RecipientParameters);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await TestBed.MailboxAsync(PassOnSender));
    }

    [Fact]
    public async Task A_relayed_message_arrives_without_the_return_path_and_otherwise_byte_exact()
    {
        var token = Token("return-path");
        var sent = DeliveryTestBed.Message(ReturnPathSender.Address, "bob@plain.test", token, "Return-Path: <in-the-body@x.test>\r\n");
        await TestBed.SubmitAsync(ReturnPathSender, ["bob@plain.test"], sent);

        var received = await ReceivedAsync(PlainMx, token);

        // The server's own trace field comes first, then exactly what was sent.
        var (trace, rest) = StoredMessage.SplitReceived(received.Data);
        output.WriteLine(trace);
        Assert.True(sent.AsSpan().SequenceEqual(rest), StoredMessage.Difference(sent, rest));
        var size = received.MailParameters.Split(' ').Single(p => p.StartsWith("SIZE=", StringComparison.Ordinal));
        Assert.Equal("SIZE=" + received.Data.Length, size);
    }

    [Fact]
    public async Task Eight_bit_mail_to_a_receiver_without_8bitmime_is_converted_and_delivered()
    {
        var token = Token("8bit");
        var text = $"token {token}\r\nGrüße aus Köln, 日本語\r\n";
        var sent = Encoding.UTF8.GetBytes(
            $"From: <{EightBitSender.Address}>\r\nTo: <bob@sevenbit.test>\r\nSubject: {token}\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text);
        await TestBed.SubmitAsync(EightBitSender, ["bob@sevenbit.test"], sent, "BODY=8BITMIME");

        var received = Assert.Single(await TestBed.Receiver(SevenBitMx).WaitForMessagesAsync(1, Wait));

        Assert.DoesNotContain("BODY=8BITMIME", received.MailParameters, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(received.Data, b => b >= 0x80);
        var message = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal(token, message.Subject);
        Assert.Equal(ContentEncoding.QuotedPrintable, Assert.IsAssignableFrom<MimePart>(message.Body).ContentTransferEncoding);
        Assert.Equal(text, message.TextBody?.ReplaceLineEndings("\r\n"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(await TestBed.MailboxAsync(EightBitSender)); // delivered, not bounced
    }
}
