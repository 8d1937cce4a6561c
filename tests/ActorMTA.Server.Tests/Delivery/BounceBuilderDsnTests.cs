using System.Text;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Bounces;
using MimeKit;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>RFC 3461 in our own reports: RET decides what is returned, ENVID and ORCPT are echoed, NOTIFY picks the recipients.</summary>
public sealed class BounceBuilderDsnTests
{
    private const string OriginalMessage =
        "From: Alice <alice@sender.example>\r\n" +
        "To: bob@remote.example\r\n" +
        "Subject: Quarterly numbers\r\n" +
        "Message-ID: <original-123@sender.example>\r\n" +
        "\r\n" +
        "THE BODY LINE\r\n";

    private static readonly DateTimeOffset Arrival = new(2026, 11, 23, 10, 0, 5, TimeSpan.Zero);

    private static FailedRecipient Bob => new("bob@remote.example", "5.1.1", "smtp; 550 5.1.1 no such user", "mx1.remote.example", Arrival);

    private static BounceRequest Request(DsnReturn ret = DsnReturn.Unspecified, string? envelopeId = null, params FailedRecipient[] recipients) =>
        new("mail.localhost", "Q1", "alice@sender.example", recipients.Length == 0 ? [Bob] : recipients,
            new MemoryStream(Encoding.ASCII.GetBytes(OriginalMessage)), Arrival, false)
        { Dsn = new DsnMessageParameters(ret, envelopeId) };

    private static (string Bytes, MultipartReport Report) Build(BounceRequest request)
    {
        var bytes = BounceWriter.ToBytes(BounceBuilder.Build(request));
        var message = MimeMessage.Load(new MemoryStream(bytes));
        return (Encoding.UTF8.GetString(bytes), Assert.IsType<MultipartReport>(message.Body));
    }

    [Theory]
    [InlineData(DsnReturn.Unspecified)]
    [InlineData(DsnReturn.Headers)]
    public void Without_ret_full_only_the_headers_are_returned(DsnReturn ret)
    {
        var (bytes, report) = Build(Request(ret));

        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        Assert.DoesNotContain("THE BODY LINE", bytes);
        Assert.Contains("the headers of your message are attached", bytes);
    }

    [Fact]
    public void Ret_full_returns_the_whole_message()
    {
        var (bytes, report) = Build(Request(DsnReturn.Full));

        var returned = Assert.IsType<MessagePart>(report[2]);
        Assert.Equal("message/rfc822", returned.ContentType.MimeType);
        Assert.Equal("Quarterly numbers", returned.Message.Subject);
        Assert.Contains("THE BODY LINE", returned.Message.TextBody);
        Assert.Contains("your message are attached", bytes);
    }

    [Fact]
    public void Ret_full_with_8bit_content_is_returned_7bit()
    {
        var eightBit = "From: a@sender.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n";
        var request = Request(DsnReturn.Full) with { OriginalContent = new MemoryStream(Encoding.UTF8.GetBytes(eightBit)) };
        var bytes = BounceWriter.ToBytes(BounceBuilder.Build(request));

        Assert.DoesNotContain(bytes, b => b >= 0x80);
        var returned = Assert.IsType<MessagePart>(Assert.IsType<MultipartReport>(MimeMessage.Load(new MemoryStream(bytes)).Body)[2]);
        Assert.Equal("Grüße", returned.Message.TextBody.TrimEnd());
    }

    [Fact]
    public void Ret_full_does_not_apply_to_a_delay_warning()
    {
        var (_, report) = Build(Request(DsnReturn.Full) with { IsDelayWarning = true });
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
    }

    [Fact]
    public void Envid_and_orcpt_are_echoed()
    {
        var bob = Bob with { Dsn = new DsnRecipientParameters(DsnNotify.Failure, "rfc822;bob@old.example") };
        var (_, report) = Build(Request(envelopeId: "QQ314159", recipients: bob));

        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("QQ314159", status.StatusGroups[0]["Original-Envelope-Id"]);
        Assert.Equal("rfc822; bob@old.example", status.StatusGroups[1]["Original-Recipient"]);
        Assert.Equal("rfc822; bob@remote.example", status.StatusGroups[1]["Final-Recipient"]);
    }

    [Fact]
    public void Without_envid_and_orcpt_the_fields_are_absent()
    {
        var (_, report) = Build(Request());
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.False(status.StatusGroups[0].Contains("Original-Envelope-Id"));
        Assert.False(status.StatusGroups[1].Contains("Original-Recipient"));
    }

    [Fact]
    public void Non_ascii_envid_goes_back_as_xtext()
    {
        var (_, report) = Build(Request(envelopeId: "id é"));
        Assert.Equal("id+20+C3+A9", Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[0]["Original-Envelope-Id"]);
    }

    [Fact]
    public void Relayed_and_delivered_reports_say_so_and_are_not_failures()
    {
        var relayed = new FailedRecipient("bob@remote.example", "2.0.0", "smtp; 250 2.0.0 Ok", "mx1.remote.example", Arrival) { Action = DsnAction.Relayed };
        var message = MimeMessage.Load(new MemoryStream(BounceWriter.ToBytes(BounceBuilder.Build(Request(DsnReturn.Full, recipients: relayed)))));

        Assert.Equal(BounceBuilder.SuccessSubject, message.Subject);
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("relayed", Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[1]["Action"]);
        // RET=FULL is for failures only.
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        Assert.Contains("relayed", Assert.IsType<TextPart>(report[0]).Text);
    }

    [Fact]
    public void A_failure_beside_a_relayed_recipient_is_a_failure_report()
    {
        var relayed = Bob with { Address = "carol@remote.example", Status = "2.0.0", Action = DsnAction.Relayed };
        var message = MimeMessage.Load(new MemoryStream(BounceWriter.ToBytes(BounceBuilder.Build(Request(recipients: [Bob, relayed])))));

        Assert.Equal(BounceBuilder.FailureSubject, message.Subject);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(message.Body)[1]);
        Assert.Equal(["failed", "relayed"], status.StatusGroups.Skip(1).Select(g => g["Action"]));
    }

    [Theory]
    [InlineData(DsnNotify.Unspecified, false, true)]
    [InlineData(DsnNotify.Unspecified, true, true)]
    [InlineData(DsnNotify.Never, false, false)]
    [InlineData(DsnNotify.Never, true, false)]
    [InlineData(DsnNotify.Failure, false, true)]
    [InlineData(DsnNotify.Failure, true, false)]
    [InlineData(DsnNotify.Delay, false, false)]
    [InlineData(DsnNotify.Delay, true, true)]
    [InlineData(DsnNotify.Success, false, false)]
    [InlineData(DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, true, true)]
    public void Notify_decides_which_reports_a_recipient_gets(DsnNotify notify, bool delayWarning, bool wanted)
    {
        Assert.Equal(wanted, (Bob with { Dsn = new DsnRecipientParameters(notify, null) }).WantsReport(delayWarning));
    }

    [Fact]
    public void Success_reports_go_only_to_recipients_that_asked()
    {
        var delivered = Bob with { Action = DsnAction.Delivered };
        Assert.False(delivered.WantsReport(false));
        Assert.True((delivered with { Dsn = new DsnRecipientParameters(DsnNotify.Success, null) }).WantsReport(false));
    }

    [Fact]
    public void A_job_keeps_only_the_recipients_whose_notify_asks_for_it()
    {
        var never = Bob with { Address = "never@remote.example", Dsn = new DsnRecipientParameters(DsnNotify.Never, null) };
        var failure = Bob with { Address = "failure@remote.example", Dsn = new DsnRecipientParameters(DsnNotify.Failure, null) };
        var job = new DsnJob("Q1.B1", "Q1", "ref", "alice@sender.example", [never, failure, Bob], Arrival, false, 1);

        Assert.Equal(["failure@remote.example", "bob@remote.example"], job.Wanted.Select(r => r.Address));
        Assert.Empty((job with { Recipients = [never] }).Wanted);
    }
}
