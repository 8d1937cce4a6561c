using System.Text;
using ActorMTA.Protocol.Bounces;
using MimeKit;
using Xunit;

namespace ActorMTA.Protocol.Tests.Bounces;

/// <summary>RFC 5965 Appendix B's two examples, then the shapes Yahoo's and Microsoft's (JMRP) feedback loops send.</summary>
public sealed class ArfReportParserTests
{
    private static MimeMessage Load(string text) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));

    // RFC 5965 Appendix B.1, "Simple Report".
    private const string Rfc5965Simple = """
        From: <abusedesk@example.com>
        Date: Thu, 8 Mar 2005 17:40:36 EDT
        Subject: FW: Earn money
        To: <abuse@example.net>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report;
             boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP
        192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.  For more information
        about this format please see http://www.mipassoc.org/arf/.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        Received: from mailserver.example.net
                (mailserver.example.net [192.0.2.1])
                by example.com with ESMTP id M63d4137594e46;
                Thu, 08 Mar 2005 14:00:00 -0400
        From: <somespammer@example.net>
        To: <Undisclosed Recipients>
        Subject: Earn money
        MIME-Version: 1.0
        Content-type: text/plain
        Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net
        Date: Thu, 02 Sep 2004 12:31:03 -0500

        Spam Spam Spam
        Spam Spam Spam
        Spam Spam Spam
        Spam Spam Spam
        --part1_13d.2e68ed54_boundary--
        """;

    // RFC 5965 Appendix B.2, "Optional Fields Used".
    private const string Rfc5965Full = """
        From: <arf-daemon@example.com>
        Date: Thu, 8 Mar 2005 17:40:36 EDT
        Subject: This is a test
        To: <abuse@example.net>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report;
             boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP
        192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.  For more information
        about this format please see http://www.mipassoc.org/arf/.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <somespammer@example.net>
        Original-Rcpt-To: <user@example.com>
        Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
        Reporting-MTA: dns; mail.example.com
        Source-IP: 192.0.2.1
        Authentication-Results: mail.example.com;
                       spf=fail smtp.mail=somespammer@example.com
        Reported-Domain: example.net
        Reported-Uri: http://example.net/earn_money.html
        Reported-Uri: mailto:user@example.com
        Removal-Recipient: user@example.com

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        From: <somespammer@example.net>
        Received: from mailserver.example.net (mailserver.example.net
                [192.0.2.1]) by example.com with ESMTP id M63d4137594e46;
                Thu, 08 Mar 2005 14:00:00 -0400
        To: <Undisclosed Recipients>
        Subject: Earn money
        MIME-Version: 1.0
        Content-type: text/plain
        Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net
        Date: Thu, 02 Sep 2004 12:31:03 -0500

        Spam Spam Spam
        Spam Spam Spam
        Spam Spam Spam
        Spam Spam Spam
        --part1_13d.2e68ed54_boundary--
        """;

    // Yahoo's CFL: the whole original, Original-Rcpt-To given, Yahoo's own User-Agent.
    private const string Yahoo = """
        Return-Path: <>
        From: feedbackloop@yahoo.com
        To: fbl@mta.example.com
        Subject: FW: Your March statement
        Date: Tue, 1 Dec 2026 08:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="----=_Part_1"

        ------=_Part_1
        Content-Type: text/plain; charset=us-ascii

        This is an email abuse report for an email message from mta.example.com on Tue, 1 Dec 2026 07:55:00 +0000

        ------=_Part_1
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: Yahoo!-Mail-Feedback/2.0
        Version: 0.1
        Original-Mail-From: <bounces+01JFQ8M3XA=carol=yahoo.com@mta.example.com>
        Original-Rcpt-To: carol@yahoo.com
        Received-Date: Tue, 1 Dec 2026 07:55:00 +0000
        Reported-Domain: example.com
        Authentication-Results: mta1.mail.yahoo.com; dkim=pass header.d=example.com

        ------=_Part_1
        Content-Type: message/rfc822

        Received: from mta.example.com (EHLO mta.example.com) (192.0.2.25)
          by mta1.mail.yahoo.com with SMTPS; Tue, 1 Dec 2026 07:55:00 +0000
        Received: from laptop ([198.51.100.7])
        	by mta.example.com (ActorMTA) with ESMTPSA id 01JFQ8M3XA; Tue, 1 Dec 2026 07:54:59 +0000
        From: Example Bank <statements@example.com>
        To: carol@yahoo.com
        Subject: Your March statement
        Message-ID: <01JFQ8M3XA@mta.example.com>
        X-Campaign: march
        Date: Tue, 1 Dec 2026 07:54:58 +0000

        Your statement is ready.
        ------=_Part_1--
        """;

    // Microsoft JMRP (Outlook.com): no Original-Rcpt-To; the complaining address is the original's To.
    private const string MicrosoftJmrp = """
        From: staff@hotmail.com
        To: fbl@mta.example.com
        Subject: complaint about message from 192.0.2.25
        Date: Tue, 1 Dec 2026 09:00:00 -0800
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="07d9f9a2-6f27-4d2c-8f3d-3e0f1f6f8b1a"

        --07d9f9a2-6f27-4d2c-8f3d-3e0f1f6f8b1a
        Content-Type: text/plain; charset="us-ascii"

        This is an email abuse report for an email message received from IP 192.0.2.25 on Tue, 01 Dec 2026 08:45:00 -0800.

        --07d9f9a2-6f27-4d2c-8f3d-3e0f1f6f8b1a
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: Microsoft JMRP
        Version: 1.0
        Original-Mail-From: <news@example.com>
        Arrival-Date: Tue, 01 Dec 2026 08:45:00 -0800
        Source-IP: 192.0.2.25

        --07d9f9a2-6f27-4d2c-8f3d-3e0f1f6f8b1a
        Content-Type: text/rfc822-headers

        Received: from mta.example.com (192.0.2.25) by BN8NAM12FT012.mail.protection.outlook.com; Tue, 1 Dec 2026 16:45:00 +0000
        From: news@example.com
        To: <dave@outlook.com>
        Subject: Weekly news
        Message-ID: <weekly-48@example.com>
        X-ActorMTA-Queue-ID: 01JFQ9ZZZZ
        Date: Tue, 1 Dec 2026 16:44:59 +0000

        --07d9f9a2-6f27-4d2c-8f3d-3e0f1f6f8b1a--
        """;

    [Fact]
    public void Rfc5965_simple_report_gives_its_type_agent_and_original_without_a_recipient()
    {
        var report = ArfReportParser.Parse(Load(Rfc5965Simple));

        Assert.NotNull(report);
        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("SomeGenerator/1.0", report.UserAgent);
        Assert.Equal("1", report.Version);
        // "<Undisclosed Recipients>" is no address, and the report names none.
        Assert.Null(report.Recipient);
        Assert.Equal("8787KJKJ3K4J3K4J3K4J3.mail@example.net", report.OriginalMessageId);
        Assert.Single(report.OriginalReceived);
        Assert.Contains("id M63d4137594e46", report.OriginalReceived[0]);
    }

    [Fact]
    public void Rfc5965_full_report_gives_every_optional_field()
    {
        var report = ArfReportParser.Parse(Load(Rfc5965Full));

        Assert.NotNull(report);
        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("user@example.com", report.Recipient);
        Assert.Equal(["user@example.com"], report.OriginalRcptTo);
        Assert.Equal("somespammer@example.net", report.OriginalMailFrom);
        Assert.Equal("Thu, 8 Mar 2005 14:00:00 EDT", report.ArrivalDate);
        Assert.Equal("192.0.2.1", report.SourceIp);
        Assert.Equal("example.net", report.ReportedDomain);
        Assert.Equal("mail.example.com", report.ReportingMta);
        Assert.Equal("Earn money", report.OriginalSubject);
        Assert.Equal("8787KJKJ3K4J3K4J3K4J3.mail@example.net", report.OriginalMessageId);
    }

    [Fact]
    public void Yahoo_report_names_the_recipient_and_keeps_our_received_line()
    {
        var report = ArfReportParser.Parse(Load(Yahoo));

        Assert.NotNull(report);
        Assert.Equal("carol@yahoo.com", report.Recipient);
        Assert.Equal("Yahoo!-Mail-Feedback/2.0", report.UserAgent);
        Assert.Equal("Tue, 1 Dec 2026 07:55:00 +0000", report.ArrivalDate);
        Assert.Equal("bounces+01JFQ8M3XA=carol=yahoo.com@mta.example.com", report.OriginalMailFrom);
        Assert.Equal("01JFQ8M3XA@mta.example.com", report.OriginalMessageId);
        Assert.Equal(2, report.OriginalReceived.Count);
        Assert.Contains("(ActorMTA) with ESMTPSA id 01JFQ8M3XA", report.OriginalReceived[1]);
    }

    [Fact]
    public void Microsoft_jmrp_report_takes_the_recipient_from_the_enclosed_headers()
    {
        var report = ArfReportParser.Parse(Load(MicrosoftJmrp), ["X-ActorMTA-Queue-ID"]);

        Assert.NotNull(report);
        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("Microsoft JMRP", report.UserAgent);
        Assert.Empty(report.OriginalRcptTo);
        Assert.Equal("dave@outlook.com", report.Recipient);
        Assert.Equal("weekly-48@example.com", report.OriginalMessageId);
        Assert.Equal("01JFQ9ZZZZ", report.OriginalFields["X-ActorMTA-Queue-ID"]);
    }

    [Fact]
    public void A_delivery_status_notification_is_not_a_feedback_report()
    {
        var dsn = """
            From: MAILER-DAEMON@example.net
            To: bounces+01JB2Q8M3X=alice=gmail.com@mta.example.com
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"

            --b
            Content-Type: text/plain

            failed
            --b
            Content-Type: message/delivery-status

            Reporting-MTA: dns; example.net

            Final-Recipient: rfc822; alice@gmail.com
            Action: failed
            Status: 5.1.1
            --b--
            """;
        Assert.Null(ArfReportParser.Parse(Load(dsn)));
    }

    [Theory]
    [InlineData("From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nplease unsubscribe me\r\n")]
    // A feedback-report part without the one required field.
    [InlineData("Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nUser-Agent: x/1\r\nVersion: 1\r\n--b--\r\n")]
    public void Anything_else_is_no_report(string text) => Assert.Null(ArfReportParser.Parse(Load(text)));

    [Fact]
    public void Feedback_type_is_lower_cased_and_a_typed_rcpt_to_is_read()
    {
        var text = Rfc5965Full.Replace("Feedback-Type: abuse", "Feedback-Type: Fraud").Replace("Original-Rcpt-To: <user@example.com>", "Original-Rcpt-To: rfc822; user@example.com");
        var report = ArfReportParser.Parse(Load(text));
        Assert.Equal("fraud", report!.FeedbackType);
        Assert.Equal("user@example.com", report.Recipient);
    }
}
