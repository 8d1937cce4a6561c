using System.Text;
using ActorMTA.Server.Delivery.Bounces;
using MimeKit;
using MimeKit.Utils;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class BounceBuilderTests
{
    private const string OriginalMessage =
        "Received: from client.example ([192.0.2.1]) by mail.localhost\r\n" +
        "From: Alice <alice@sender.example>\r\n" +
        "To: bob@remote.example, carol@remote.example\r\n" +
        "Subject: Quarterly numbers\r\n" +
        "Message-ID: <original-123@sender.example>\r\n" +
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        "\r\n" +
        "SECRET BODY LINE that must not be returned\r\n";

    private static readonly DateTimeOffset Arrival = new(2026, 11, 23, 10, 0, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset Attempt = new(2026, 11, 23, 10, 5, 0, TimeSpan.Zero);

    private static BounceRequest Request(bool delayWarning = false) => new(
        "mail.localhost",
        "Q1A2B3C4",
        "alice@sender.example",
        [
            new FailedRecipient("bob@remote.example", delayWarning ? "4.4.1" : "5.1.1",
                "smtp; 550 5.1.1 <bob@remote.example>: no such user", "mx1.remote.example", Attempt),
            new FailedRecipient("carol@remote.example", delayWarning ? "4.4.3" : "5.1.10",
                "Recipient address has null MX", null, null),
        ],
        new MemoryStream(Encoding.ASCII.GetBytes(OriginalMessage)),
        Arrival,
        delayWarning);

    private static MimeMessage RoundTrip(BounceRequest request) =>
        MimeMessage.Load(new MemoryStream(BounceWriter.ToBytes(BounceBuilder.Build(request))));

    private static (TextPart Text, MessageDeliveryStatus Status, TextRfc822Headers Headers) Parts(MimeMessage message)
    {
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal(3, report.Count);
        return (Assert.IsType<TextPart>(report[0]), Assert.IsType<MessageDeliveryStatus>(report[1]), Assert.IsType<TextRfc822Headers>(report[2]));
    }

    [Fact]
    public void Envelope_headers_address_the_original_sender_from_the_mailer_daemon()
    {
        var message = RoundTrip(Request());

        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal("MAILER-DAEMON@mail.localhost", from.Address);
        Assert.Equal("alice@sender.example", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", message.Subject);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.EndsWith("@mail.localhost", message.MessageId);
        Assert.True(message.Headers.Contains(HeaderId.Date));
        Assert.True(DateTimeOffset.Now - message.Date < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Body_is_a_delivery_status_report_with_three_parts()
    {
        var message = RoundTrip(Request());

        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("multipart/report", report.ContentType.MimeType);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal("delivery-status", report.ContentType.Parameters["report-type"]);
        var (text, status, headers) = Parts(message);
        Assert.Equal("text/plain", text.ContentType.MimeType);
        Assert.Equal("message/delivery-status", status.ContentType.MimeType);
        Assert.Equal("text/rfc822-headers", headers.ContentType.MimeType);
    }

    [Fact]
    public void Human_readable_part_names_each_recipient_and_its_diagnostic()
    {
        var (text, _, _) = Parts(RoundTrip(Request()));

        Assert.Contains("mail.localhost", text.Text);
        Assert.Contains("<bob@remote.example>: 550 5.1.1 <bob@remote.example>: no such user (remote host mx1.remote.example)", text.Text);
        Assert.Contains("<carol@remote.example>: Recipient address has null MX", text.Text);
    }

    [Fact]
    public void Per_message_fields_name_the_reporting_mta_queue_id_and_arrival()
    {
        var (_, status, _) = Parts(RoundTrip(Request()));

        Assert.Equal(3, status.StatusGroups.Count);
        var perMessage = status.StatusGroups[0];
        Assert.Equal("dns; mail.localhost", perMessage["Reporting-MTA"]);
        Assert.Equal("Q1A2B3C4", perMessage[BounceBuilder.QueueIdField]);
        Assert.True(DateUtils.TryParse(perMessage["Arrival-Date"], out var arrival));
        Assert.Equal(Arrival, arrival);
    }

    [Fact]
    public void Per_recipient_fields_carry_status_remote_mta_diagnostic_and_last_attempt()
    {
        var (_, status, _) = Parts(RoundTrip(Request()));

        var bob = status.StatusGroups[1];
        Assert.Equal("rfc822; bob@remote.example", bob["Final-Recipient"]);
        Assert.Equal("failed", bob["Action"]);
        Assert.Equal("5.1.1", bob["Status"]);
        Assert.Equal("dns; mx1.remote.example", bob["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <bob@remote.example>: no such user", bob["Diagnostic-Code"]);
        Assert.True(DateUtils.TryParse(bob["Last-Attempt-Date"], out var lastAttempt));
        Assert.Equal(Attempt, lastAttempt);

        var carol = status.StatusGroups[2];
        Assert.Equal("rfc822; carol@remote.example", carol["Final-Recipient"]);
        Assert.Equal("failed", carol["Action"]);
        Assert.Equal("5.1.10", carol["Status"]);
        // A diagnostic without a type gets ours; absent optional facts are left out, not left empty.
        Assert.Equal("X-ActorMTA; Recipient address has null MX", carol["Diagnostic-Code"]);
        Assert.False(carol.Contains("Remote-MTA"));
        Assert.False(carol.Contains("Last-Attempt-Date"));
    }

    [Fact]
    public void Original_header_section_is_returned_without_the_body()
    {
        var bytes = BounceWriter.ToBytes(BounceBuilder.Build(Request()));
        var (_, _, headers) = Parts(MimeMessage.Load(new MemoryStream(bytes)));

        var original = headers.Message;
        Assert.Equal("Quarterly numbers", original.Subject);
        Assert.Equal("original-123@sender.example", original.MessageId);
        Assert.Equal("alice@sender.example", Assert.IsType<MailboxAddress>(Assert.Single(original.From)).Address);
        Assert.Contains("from client.example ([192.0.2.1]) by mail.localhost", original.Headers["Received"]);
        Assert.DoesNotContain("SECRET BODY LINE", Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void Delay_warning_says_delayed_and_keeps_retrying()
    {
        var message = RoundTrip(Request(delayWarning: true));

        Assert.Equal("Delayed Mail (still being retried)", message.Subject);
        var (text, status, _) = Parts(message);
        Assert.Contains("warning", text.Text);
        Assert.Equal("delayed", status.StatusGroups[1]["Action"]);
        Assert.Equal("4.4.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("delayed", status.StatusGroups[2]["Action"]);
    }

    [Fact]
    public void Non_ASCII_text_is_quoted_printable_so_the_report_stays_7bit()
    {
        var request = Request() with { Recipients = [new FailedRecipient("jörg@remote.example", "5.1.1", "smtp; 550 nö", null, null)] };
        var bytes = BounceWriter.ToBytes(BounceBuilder.Build(request));
        var (text, _, _) = Parts(MimeMessage.Load(new MemoryStream(bytes)));

        Assert.Equal(ContentEncoding.QuotedPrintable, text.ContentTransferEncoding);
        Assert.Contains("<jörg@remote.example>: 550 nö", text.Text);
    }

    [Fact]
    public void Written_bytes_use_CRLF_line_ends_only()
    {
        var bytes = BounceWriter.ToBytes(BounceBuilder.Build(Request()));

        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n')
                Assert.True(i > 0 && bytes[i - 1] == (byte)'\r', $"bare LF at byte {i}");
    }

    [Fact]
    public async Task Async_writer_produces_a_parseable_message()
    {
        using var buffer = new MemoryStream();
        await BounceWriter.WriteToAsync(BounceBuilder.Build(Request()), buffer, CancellationToken.None);
        buffer.Position = 0;
        Assert.Equal("delivery-status", Assert.IsType<MultipartReport>(MimeMessage.Load(buffer).Body).ReportType);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("<>", false)]
    [InlineData(" <> ", false)]
    [InlineData("alice@sender.example", true)]
    [InlineData("MAILER-DAEMON@other.example", true)]
    public void Only_the_null_sender_is_never_bounced(string envelopeFrom, bool expected)
    {
        Assert.Equal(expected, BounceBuilder.ShouldBounce(envelopeFrom));
    }

    [Fact]
    public void Building_a_bounce_to_the_null_sender_is_refused()
    {
        Assert.Throws<ArgumentException>(() => BounceBuilder.Build(Request() with { OriginalEnvelopeFrom = "" }));
    }

    [Fact]
    public void A_classified_failure_carries_its_bounce_category_and_a_relayed_report_does_not()
    {
        var request = Request();
        request = request with
        {
            Recipients =
            [
                request.Recipients[0] with { Category = "InvalidRecipient" },
                request.Recipients[1] with { Category = "Relayed-should-not-show", Action = DsnAction.Relayed, Status = "2.0.0" },
            ],
        };

        var (_, status, _) = Parts(RoundTrip(request));

        Assert.Equal("InvalidRecipient", status.StatusGroups[1][BounceBuilder.CategoryField]);
        Assert.False(status.StatusGroups[2].Contains(BounceBuilder.CategoryField));
    }
}
