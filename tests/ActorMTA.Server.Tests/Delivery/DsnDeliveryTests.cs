using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Queues;
using Akka.Actor;
using MimeKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// RFC 3461 on the outbound side over real sockets: NOTIFY and RET in our reports, the parameters passed on to a
/// server with DSN, "relayed" reports for one without; and what goes on the wire: no Return-Path, 7-bit for a
/// server without 8BITMIME.
/// </summary>
public sealed class DsnDeliveryTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone), IClassFixture<DeliveryZoneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private string EnqueueWithDsn(
        string domain, string body, DsnMessageParameters dsn, IReadOnlyDictionary<string, DsnRecipientParameters> recipientDsn,
        ContentTraits traits = ContentTraits.None, params string[] recipients)
    {
        var queueId = "M" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var reference = Store(queueId, body);
        var queueName = QueuePartitions.QueueNameFor(domain, queueId, Settings.ThrottleFor(domain).Partitions);
        Regions.DomainQueue.Ask<DeliveryEnqueued>(
            new EnqueueDelivery(queueName, queueId, reference, Sender, recipients, body.Length, DateTimeOffset.UtcNow, 1)
                { Dsn = dsn, RecipientDsn = recipientDsn, Traits = traits },
            TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        return queueId;
    }

    private static Dictionary<string, DsnRecipientParameters> Notify(params (string Address, DsnNotify Notify, string? Orcpt)[] recipients) =>
        recipients.ToDictionary(r => r.Address, r => new DsnRecipientParameters(r.Notify, r.Orcpt), StringComparer.Ordinal);

    private async Task<string> ReportFor(string queueId, string suffix = ".B1")
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var entry = Mailbox(Sender).Messages.FirstOrDefault(m => m.QueueId == queueId + suffix);
            if (entry is not null)
            {
                await using var stream = Content.OpenRead(entry.ContentRef);
                return Encoding.UTF8.GetString(stream.ReadAllBytes());
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no report {queueId}{suffix} for {Sender}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Notify_never_gets_no_bounce_while_notify_failure_of_the_same_message_does()
    {
        Receivers[0].RejectRecipient("never@one.test");
        Receivers[0].RejectRecipient("failure@one.test");
        var id = EnqueueWithDsn("one.test", Message("notify"), new DsnMessageParameters(DsnReturn.Headers, "ENV-7"),
            Notify(("never@one.test", DsnNotify.Never, null), ("failure@one.test", DsnNotify.Failure, "rfc822;old@one.test")),
            recipients: ["never@one.test", "failure@one.test"]);

        var bounce = await ReportFor(id);

        Assert.StartsWith("Return-Path: <>\r\n", bounce);
        Assert.Contains("Final-Recipient: rfc822; failure@one.test", bounce);
        Assert.Contains("Original-Recipient: rfc822; old@one.test", bounce);
        Assert.Contains("Original-Envelope-Id: ENV-7", bounce);
        Assert.DoesNotContain("never@one.test", bounce);
        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Single(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task When_every_failed_recipient_said_never_no_bounce_is_written_and_the_message_leaves()
    {
        Receivers[0].RejectRecipient("never@one.test");
        EnqueueWithDsn("one.test", Message("never"), DsnMessageParameters.None, Notify(("never@one.test", DsnNotify.Never, null)),
            recipients: ["never@one.test"]);

        await WaitForEmptyQueueAsync("one.test", Wait);
        AwaitCondition(() => SpoolFiles() == 0, Wait);
        Assert.Empty(Mailbox(Sender).Messages);
    }

    [Theory]
    [InlineData(DsnReturn.Full)]
    [InlineData(DsnReturn.Headers)]
    [InlineData(DsnReturn.Unspecified)]
    public async Task Ret_decides_whether_the_bounce_returns_the_whole_message(DsnReturn ret)
    {
        Receivers[0].RejectRecipient("nobody@one.test");
        var id = EnqueueWithDsn("one.test", "Return-Path: <alice@local.test>\r\n" + Message("ret", "THE BODY\r\n"),
            new DsnMessageParameters(ret, null), QueuedDelivery.NoRecipientDsn, recipients: ["nobody@one.test"]);

        var bounce = await ReportFor(id);

        var returned = Assert.IsType<MultipartReport>(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(bounce))).Body)[2];
        if (ret == DsnReturn.Full)
        {
            Assert.Equal("message/rfc822", returned.ContentType.MimeType);
            Assert.Contains("THE BODY", bounce);
        }
        else
        {
            Assert.Equal("text/rfc822-headers", returned.ContentType.MimeType);
            Assert.DoesNotContain("THE BODY", bounce);
        }
    }

    [Fact]
    public async Task A_success_recipient_delivered_to_a_server_without_dsn_is_reported_relayed()
    {
        var id = EnqueueWithDsn("one.test", Message("relay"), DsnMessageParameters.None,
            Notify(("bob@one.test", DsnNotify.Success, null)), recipients: ["bob@one.test", "carol@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.DoesNotContain("NOTIFY", string.Join(" ", received.RecipientParameters));
        var report = await ReportFor(id);

        Assert.Contains("Subject: Successful Mail Delivery Report", report);
        Assert.Contains("Action: relayed", report);
        Assert.Contains("Final-Recipient: rfc822; bob@one.test", report);
        Assert.DoesNotContain("carol@one.test", report.Split("message/delivery-status")[1]);
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task A_server_with_dsn_gets_the_parameters_and_takes_over_the_success_report()
    {
        Receivers[0].AdvertiseDsn = true;
        EnqueueWithDsn("one.test", Message("pass on"), new DsnMessageParameters(DsnReturn.Headers, "ENV 9"),
            Notify(("bob@one.test", DsnNotify.Success | DsnNotify.Failure, "rfc822;bob@old.test")), recipients: ["bob@one.test", "carol@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.Contains("RET=HDRS ENVID=ENV+209", received.MailParameters);
        Assert.Equal(["NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@old.test", "ORCPT=rfc822;carol@one.test"], received.RecipientParameters);
        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Empty(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task A_leading_return_path_is_not_relayed_and_size_is_declared_without_it()
    {
        var body = Message("return path", "Return-Path: <in-the-body@x.test>\r\n");
        // As the inbound side writes it for this sender.
        EnqueueWithDsn("one.test", $"Return-Path: <{Sender}>\r\n" + body, DsnMessageParameters.None, QueuedDelivery.NoRecipientDsn,
            recipients: ["bob@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.Equal(Encoding.UTF8.GetBytes(body), received.Data);
        Assert.Contains($"SIZE={body.Length}", received.MailParameters);
    }

    [Fact]
    public async Task A_folded_leading_return_path_is_not_relayed_either()
    {
        var body = Message("folded return path");
        EnqueueWithDsn("one.test", "Return-Path:\r\n <alice@local.test>\r\n" + body, DsnMessageParameters.None, QueuedDelivery.NoRecipientDsn,
            recipients: ["bob@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.Equal(Encoding.UTF8.GetBytes(body), received.Data);
    }

    [Fact]
    public async Task Content_without_a_return_path_is_relayed_untouched()
    {
        var body = "X-First: Return-Path: <not@a.field>\r\n" + Message("no return path");
        EnqueueWithDsn("one.test", body, DsnMessageParameters.None, QueuedDelivery.NoRecipientDsn, recipients: ["bob@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.Equal(Encoding.UTF8.GetBytes(body), received.Data);
        // SIZE= is worked out before the content is read, from the Return-Path this server writes; content from
        // elsewhere (written before Return-Path existed) may be declared a little smaller, never larger.
        Assert.Contains($"SIZE={body.Length - $"Return-Path: <{Sender}>\r\n".Length}", received.MailParameters);
    }

    [Fact]
    public async Task Eight_bit_mail_to_a_server_without_8bitmime_is_converted_and_delivered()
    {
        Receivers[0].Advertise8BitMime = false;
        var text = "Grüße aus Köln – ünïcödé\r\n";
        var body = "Return-Path: <alice@local.test>\r\nFrom: alice@local.test\r\nTo: bob@one.test\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text;
        EnqueueWithDsn("one.test", body, DsnMessageParameters.None, QueuedDelivery.NoRecipientDsn, ContentTraits.EightBitMime, recipients: ["bob@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.DoesNotContain(received.Data, b => b >= 0x80);
        Assert.DoesNotContain("BODY=8BITMIME", received.MailParameters);
        Assert.DoesNotContain("Return-Path", received.Text);
        var message = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal(ContentEncoding.QuotedPrintable, ((MimePart)message.Body).ContentTransferEncoding);
        Assert.Equal(text, message.TextBody.ReplaceLineEndings("\r\n"));
        await WaitForEmptyQueueAsync("one.test", Wait);
        AwaitCondition(() => SpoolFiles() == 0, Wait);
        Assert.Empty(Mailbox(Sender).Messages);
    }

    [Fact]
    public async Task Eight_bit_multipart_mail_is_converted_part_by_part()
    {
        Receivers[0].Advertise8BitMime = false;
        var body = "Return-Path: <alice@local.test>\r\nFrom: alice@local.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"xyz\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "--xyz\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nText: Grüße\r\n"
            + "--xyz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBytes: \u00ff\u00fe\r\n"
            + "--xyz--\r\n";
        EnqueueWithDsn("one.test", body, DsnMessageParameters.None, QueuedDelivery.NoRecipientDsn, ContentTraits.EightBitMime, recipients: ["bob@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));

        Assert.DoesNotContain(received.Data, b => b >= 0x80);
        var parts = MimeMessage.Load(new MemoryStream(received.Data)).BodyParts.OfType<MimePart>().ToArray();
        Assert.Equal([ContentEncoding.QuotedPrintable, ContentEncoding.Base64], parts.Select(p => p.ContentTransferEncoding));
        Assert.Equal("Text: Grüße", ((TextPart)parts[0]).Text.TrimEnd());
        using var decoded = new MemoryStream();
        parts[1].Content.DecodeTo(decoded);
        // The CRLF before a boundary belongs to the boundary (RFC 2046 section 5.1.1).
        Assert.Equal(Encoding.UTF8.GetBytes("Bytes: \u00ff\u00fe"), decoded.ToArray());
    }
}
