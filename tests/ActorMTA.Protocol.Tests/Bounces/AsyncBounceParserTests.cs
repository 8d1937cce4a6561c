using System.Text;
using ActorMTA.Protocol.Bounces;
using MimeKit;
using Xunit;

namespace ActorMTA.Protocol.Tests.Bounces;

/// <summary>
/// The samples are shaped like what Postfix, qmail-send and Exim (before 4.90) write; the provider replies they quote
/// are the ones the shipped rules cite (Gmail, Yahoo, Microsoft). Classification here uses a few inline rules and the
/// RFC 3463 fallback: the shipped rules are tested against these texts in the server tests, which read HOCON.
/// </summary>
public sealed class AsyncBounceParserTests
{
    private static readonly AsyncBounceParser Parser = new(new BounceClassifier([
        new BounceRule(BounceCategory.SpamRelated, null, null, @"\[TSS04\]|on our block list", "test"),
        new BounceRule(BounceCategory.BadDomain, null, null, "unrouteable address", "test"),
        new BounceRule(BounceCategory.ConnectionTimeout, null, null, "timed out", "test"),
    ]));

    private static MimeMessage Load(string text) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));

    // Postfix bounce(8) layout: notification, message/delivery-status, text/rfc822-headers.
    private const string PostfixDsn = """
        Return-Path: <>
        From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: bounces+01JB2Q8M3X=alice=gmail.com@mta.example.com
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="4F2A1C0123.1735725600/mail.sender.example"
        Message-Id: <20250101100000.4F2A1C0123@mail.sender.example>

        This is a MIME-encapsulated message.

        --4F2A1C0123.1735725600/mail.sender.example
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mail.sender.example.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        --4F2A1C0123.1735725600/mail.sender.example
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mail.sender.example
        X-Postfix-Queue-ID: 4F2A1C0123
        Original-Envelope-Id: 01JB2Q8M3X
        Arrival-Date: Wed,  1 Jan 2025 10:00:00 +0000 (UTC)

        Final-Recipient: rfc822; alice@gmail.com
        Original-Recipient: rfc822;alice@gmail.com
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; gmail-smtp-in.l.google.com
        Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does
            not exist. Please try 550-5.1.1 double-checking the recipient's email
            address for typos or 550-5.1.1 unnecessary spaces. 550 5.1.1
            https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp

        Final-Recipient: rfc822; bob@yahoo.com
        Action: delayed
        Status: 4.7.0
        Remote-MTA: dns; mta7.am0.yahoodns.net
        Diagnostic-Code: smtp; 421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily
            deferred due to unexpected volume or user complaints - 4.16.55.1; see
            https://postmaster.yahooinc.com/error-codes

        Final-Recipient: rfc822; carol@example.net
        Action: delivered
        Status: 2.0.0

        --4F2A1C0123.1735725600/mail.sender.example
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        From: Sender <news@sender.example>
        To: alice@gmail.com
        Subject: Hello
        Message-ID: <orig-123@sender.example>

        --4F2A1C0123.1735725600/mail.sender.example--
        """;

    [Fact]
    public void An_rfc3464_report_gives_its_failed_and_delayed_recipients()
    {
        var bounced = Parser.Parse(Load(PostfixDsn));

        Assert.Equal(["alice@gmail.com", "bob@yahoo.com"], bounced.Select(b => b.Recipient));
        var alice = bounced[0];
        Assert.Equal("failed", alice.Action);
        Assert.Equal("5.1.1", alice.Status);
        Assert.Equal("gmail-smtp-in.l.google.com", alice.RemoteMta);
        Assert.StartsWith("smtp; 550-5.1.1 The email account that you tried to reach does not exist.", alice.DiagnosticCode);
        Assert.Equal(BounceCategory.InvalidRecipient, alice.Category);
        Assert.Equal(BounceFormat.Rfc3464, alice.Format);
        Assert.Equal("alice@gmail.com", alice.OriginalRecipient);
        Assert.Equal("orig-123@sender.example", alice.OriginalMessageId);
        Assert.Equal("01JB2Q8M3X", alice.OriginalEnvelopeId);

        var bob = bounced[1];
        Assert.Equal("delayed", bob.Action);
        Assert.Equal("4.7.0", bob.Status);
        Assert.Equal(BounceCategory.SpamRelated, bob.Category); // the diagnostic text, not only the status, is classified
    }

    [Fact]
    public void An_internationalized_report_is_read_like_an_ascii_one()
    {
        // RFC 6533: SMTPUTF8 reporters send message/global-delivery-status.
        var bounced = Parser.Parse(Load(PostfixDsn.Replace("Content-Type: message/delivery-status", "Content-Type: message/global-delivery-status")));

        Assert.Equal(["alice@gmail.com", "bob@yahoo.com"], bounced.Select(b => b.Recipient));
    }

    [Fact]
    public void A_report_built_with_mimekit_and_carrying_the_whole_message_is_read()
    {
        var original = new MimeMessage { MessageId = "orig-999@sender.example", Subject = "Invoice" };
        original.From.Add(MailboxAddress.Parse("billing@sender.example"));
        original.Body = new TextPart("plain") { Text = "Hello" };

        var status = new MessageDeliveryStatus();
        status.StatusGroups.Add(new HeaderList { { "Reporting-MTA", "dns; relay.sender.example" }, { "Original-Envelope-Id", "ENV-42" } });
        status.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", "rfc822; someone@outlook.com" },
            { "Action", "failed" },
            { "Status", "5.1.10" },
            { "Remote-MTA", "dns; outlook-com.olc.protection.outlook.com" },
            { "Diagnostic-Code", "smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup" },
        });
        // Many reporters say only 5.0.0 in Status; the remote server's answer is more precise.
        status.StatusGroups.Add(new HeaderList
        {
            { "Final-Recipient", "rfc822; full@example.org" },
            { "Action", "failed" },
            { "Status", "5.0.0" },
            { "Diagnostic-Code", "smtp; 552 5.2.2 <full@example.org>: user is over quota" },
        });
        var report = new MultipartReport("delivery-status") { new TextPart("plain") { Text = "Delivery failed." }, status, new MessagePart { Message = original } };
        var dsn = new MimeMessage { Subject = "Undeliverable: Invoice", Body = report };
        dsn.From.Add(MailboxAddress.Parse("postmaster@relay.sender.example"));
        var stream = new MemoryStream();
        dsn.WriteTo(stream);
        stream.Position = 0;

        var bounced = Parser.Parse(MimeMessage.Load(stream));

        Assert.Equal(2, bounced.Count);
        Assert.Equal("someone@outlook.com", bounced[0].Recipient);
        Assert.Equal("outlook-com.olc.protection.outlook.com", bounced[0].RemoteMta);
        Assert.Equal("orig-999@sender.example", bounced[0].OriginalMessageId);
        Assert.Equal("ENV-42", bounced[0].OriginalEnvelopeId);
        // No inline rule knows Microsoft's text; RFC 7505's X.1.10 (null MX) is what 5.1.10 means without one.
        Assert.Equal(BounceCategory.BadDomain, bounced[0].Category);
        Assert.Equal("5.2.2", bounced[1].Status);
        Assert.Equal(BounceCategory.MailboxFull, bounced[1].Category);
    }

    private const string QmailBounce = """
        Return-Path: <>
        Date: 1 Jan 2025 10:00:00 -0000
        From: MAILER-DAEMON@mail.qmail.example
        To: bounces+01JB2Q8M3X=dave=qmail.example@mta.example.com
        Subject: failure notice

        Hi. This is the qmail-send program at mail.qmail.example.
        I'm afraid I wasn't able to deliver your message to the following addresses.
        This is a permanent error; I've given up. Sorry it didn't work out.

        <dave@qmail.example>:
        Sorry, no mailbox here by that name. (#5.1.1)

        <erin@remote.example>:
        192.0.2.25 does not like recipient.
        Remote host said: 552 5.2.2 <erin@remote.example>: Mailbox full
        Giving up on 192.0.2.25.

        --- Below this line is a copy of the message.

        Return-Path: <bounces+01JB2Q8M3X=dave=qmail.example@mta.example.com>
        Received: (qmail 4711 invoked from network); 1 Jan 2025 09:59:59 -0000
        Message-ID: <orig-456@sender.example>
        From: news@sender.example
        Subject: Hi

        body
        """;

    [Fact]
    public void A_qmail_send_bounce_gives_each_address_with_its_reason()
    {
        var bounced = Parser.Parse(Load(QmailBounce));

        Assert.Equal(2, bounced.Count);
        var dave = bounced[0];
        Assert.Equal("dave@qmail.example", dave.Recipient);
        Assert.Equal("failed", dave.Action);
        Assert.Equal("5.1.1", dave.Status);
        Assert.Equal(BounceCategory.InvalidRecipient, dave.Category);
        Assert.Equal(BounceFormat.Qmail, dave.Format);
        Assert.Equal("orig-456@sender.example", dave.OriginalMessageId);

        var erin = bounced[1];
        Assert.Equal("erin@remote.example", erin.Recipient);
        Assert.Equal("192.0.2.25", erin.RemoteMta);
        Assert.Equal("552 5.2.2 <erin@remote.example>: Mailbox full", erin.DiagnosticCode);
        Assert.Equal("5.2.2", erin.Status);
        Assert.Equal(BounceCategory.MailboxFull, erin.Category);
    }

    private const string EximBounce = """
        Return-path: <>
        From: Mail Delivery System <Mailer-Daemon@mail.exim.example>
        To: bounces+01JB2Q8M3X=frank=outlook.com@mta.example.com
        Subject: Mail delivery failed: returning message to sender
        Auto-Submitted: auto-replied
        Message-Id: <E1tXyZ-000123-AB@mail.exim.example>

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          frank@outlook.com
            SMTP error from remote mail server after RCPT TO:<frank@outlook.com>:
            host outlook-com.olc.protection.outlook.com [192.0.2.33]: 550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent.
            Please contact your Internet service provider since part of their network is on our block list (S3150).

          grace@nonexistent.example
            Unrouteable address

        ------ This is a copy of the message, including all the headers. ------

        Return-path: <bounces+01JB2Q8M3X=frank=outlook.com@mta.example.com>
        Message-Id: <orig-789@sender.example>
        From: news@sender.example
        Subject: Hi

        body
        """;

    [Fact]
    public void An_old_exim_bounce_gives_each_indented_address_with_its_reason()
    {
        var bounced = Parser.Parse(Load(EximBounce));

        Assert.Equal(["frank@outlook.com", "grace@nonexistent.example"], bounced.Select(b => b.Recipient));
        var frank = bounced[0];
        Assert.Equal("failed", frank.Action);
        Assert.Equal("outlook-com.olc.protection.outlook.com", frank.RemoteMta);
        Assert.StartsWith("550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. Please contact", frank.DiagnosticCode);
        Assert.Equal("5.7.1", frank.Status);
        Assert.Equal(BounceCategory.SpamRelated, frank.Category);
        Assert.Equal(BounceFormat.Exim, frank.Format);
        Assert.Equal("orig-789@sender.example", frank.OriginalMessageId);

        var grace = bounced[1];
        Assert.Null(grace.RemoteMta);
        Assert.Null(grace.Status);
        Assert.Equal("Unrouteable address", grace.DiagnosticCode);
        Assert.Equal(BounceCategory.BadDomain, grace.Category);
    }

    [Fact]
    public void An_exim_delay_warning_reports_the_address_as_delayed()
    {
        var bounced = Parser.Parse(Load("""
            From: Mail Delivery System <Mailer-Daemon@mail.exim.example>
            Subject: Warning: message 1tXyZ-000123-AB delayed 24 hours

            This message was created automatically by mail delivery software.

            A message that you sent has not yet been delivered to one or more of its
            recipients after more than 24 hours on the queue on mail.exim.example.

            The message identifier is:     1tXyZ-000123-AB
            The subject of the message is: Hi

            The address to which the message has not yet been delivered is:

              heidi@slow.example
                host mx.slow.example [192.0.2.44]: Connection timed out

            No action is required on your part. Delivery attempts will continue for
            some time, and this warning may be repeated at intervals if the message
            remains undelivered.
            """));

        var heidi = Assert.Single(bounced);
        Assert.Equal("heidi@slow.example", heidi.Recipient);
        Assert.Equal("delayed", heidi.Action);
        Assert.Equal("mx.slow.example", heidi.RemoteMta);
        Assert.Equal(BounceCategory.ConnectionTimeout, heidi.Category);
    }

    [Theory]
    [InlineData("""
        From: Alice <alice@gmail.com>
        Subject: Re: Hello
        In-Reply-To: <orig-123@sender.example>

        Thanks, but please take me off this list. The email account you wrote to does not exist any more in a week.
        """)]
    [InlineData("""
        From: Bob <bob@example.org>
        Subject: Automatic reply: Hello
        Auto-Submitted: auto-replied

        I am out of the office until Monday. This message was created automatically.
        """)]
    [InlineData("""
        From: someone@example.org
        Subject: I run qmail

        Hi. This is the qmail-send program at my house, just kidding, no addresses here.
        """)]
    [InlineData("""
        From: postmaster@example.org
        Subject: Delivered
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: text/plain

        Your message was delivered.
        --b
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: rfc822; carol@example.org
        Action: delivered
        Status: 2.0.0

        --b--
        """)]
    [InlineData("""
        From: postmaster@example.org
        Subject: broken report
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: message/delivery-status

        garbage without fields
        --b--
        """)]
    public void A_message_that_is_not_a_bounce_gives_nothing(string message) =>
        Assert.Empty(Parser.Parse(Load(message)));
}
