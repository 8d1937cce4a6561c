using System.Text;
using ActorMTA.Protocol.Bounces;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Tests.Support;
using MimeKit;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Bounces;

/// <summary>
/// Real provider replies, as the sources cited in hocon/bounce-rules.conf quote them, against the shipped rules. The
/// text is what the delivery agent classifies: the reply's lines joined by spaces, without the leading reply codes
/// (the enhanced code of the first line stays in front). Addresses and IPs in the replies are placeholders.
/// </summary>
public sealed class ShippedBounceRulesTests
{
    private static readonly BounceClassifier Shipped = BounceRulesSettings.FromConfig(NodeConfig.ActorMta()).Classifier;

    public static TheoryData<string, int, string, BounceCategory> ProviderReplies => new()
    {
        // ---- InvalidRecipient ----
        { "Gmail, support.google.com/a/answer/3726730", 550, "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp", BounceCategory.InvalidRecipient },
        { "Microsoft Exchange Online, learn.microsoft.com fix-error-code-550-5-1-10", 550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", BounceCategory.InvalidRecipient },
        { "Microsoft Exchange Online, smtp.codes/exchangeonline", 550, "5.4.1 [someone@example.com]: Recipient address rejected: Access denied [example.com]", BounceCategory.InvalidRecipient },
        { "Yahoo, help.yahoo.com SLN3444", 554, "delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com)", BounceCategory.InvalidRecipient },
        { "Apple iCloud, smtp.codes/icloud", 550, "5.1.1 <someone@icloud.com>: user does not exist", BounceCategory.InvalidRecipient },
        { "WEB.DE (no enhanced codes), sitepackage.de list", 550, "Benutzer nicht bekannt/User unknown", BounceCategory.InvalidRecipient },
        { "GMX, sitepackage.de list", 550, "5.2.1 <someone@gmx.de>... User is inactive", BounceCategory.InvalidRecipient },
        // ---- BadDomain ----
        { "Microsoft Exchange Online NDR, quoted at sistemitec.com", 554, "5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", BounceCategory.BadDomain },
        { "Freenet (Exim), sitepackage.de list", 550, "unrouteable address", BounceCategory.BadDomain },
        // ---- MailboxFull ----
        { "Gmail, support.google.com/a/answer/3726730", 452, "4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp", BounceCategory.MailboxFull },
        { "Gmail, support.google.com/a/answer/3726730", 552, "5.2.2 The email account that you tried to reach is over quota.", BounceCategory.MailboxFull },
        { "Yahoo, help.yahoo.com abuse-57", 554, "delivery error: dd Sorry, your message to someone@yahoo.com cannot be delivered. This account is over quota.", BounceCategory.MailboxFull },
        { "WEB.DE, sitepackage.de list", 550, "Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.", BounceCategory.MailboxFull },
        { "GMX, newsroom.gmx.net 2017-09-28", 552, "Requested mail action aborded: exceeded storage allocation, Quota exceeded", BounceCategory.MailboxFull },
        // ---- MessageTooLarge ----
        { "Gmail, cloudmailin.com 552 page", 552, "5.2.3 Your message exceeded Google's message size limits.", BounceCategory.MessageTooLarge },
        { "cloudmailin.com 552 page", 552, "Message size exceeds the allowed size for this account (10485760)", BounceCategory.MessageTooLarge },
        // ---- PolicyRelated ----
        { "Apple iCloud, smtp.codes/icloud", 550, "5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137", BounceCategory.PolicyRelated },
        { "Apple iCloud, smtp.codes/icloud", 421, "4.7.1 Messages to someone@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137", BounceCategory.PolicyRelated },
        { "Gmail, support.google.com/a/answer/3726730", 450, "4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time.", BounceCategory.PolicyRelated },
        { "Gmail, support.google.com/a/answer/3726730", 421, "4.7.0 TLS required for RCPT domain, closing connection.", BounceCategory.PolicyRelated },
        { "Gmail, quoted at xtremeit.blogspot.com", 550, "5.4.5 Daily sending quota exceeded.", BounceCategory.PolicyRelated },
        { "Comcast, security.comcast.net Mail-Delivery-Error-Messages", 421, "[Too many sessions opened]", BounceCategory.PolicyRelated },
        { "Comcast, postmaster.comcast.net mail-error-codes (a 550 with the block code and a link)", 550, "ES000010 http://postmaster.comcast.net/mail-error-codes.html", BounceCategory.PolicyRelated },
        { "GMX, newsroom.gmx.net 2017-09-28", 421, "Rate limit reached. Please try again later", BounceCategory.PolicyRelated },
        { "Microsoft Exchange Online, smtp.codes/exchangeonline", 451, "4.7.500 Server busy. Please try again later from [192.0.2.10]. (AS77712344) [AM0EUR01FT012.eop-eur01.prod.protection.outlook.com]", BounceCategory.PolicyRelated },
        // ---- SpamRelated ----
        { "Gmail, smtp.codes/google", 421, "4.7.28 [192.0.2.10] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp", BounceCategory.SpamRelated },
        { "Gmail, smtp.codes/google", 421, "4.7.0 [192.0.2.10] Our system has detected that this message is suspicious due to the very low reputation of the sending domain. - gsmtp", BounceCategory.SpamRelated },
        { "Microsoft Outlook.com, sevencreative.co.uk", 550, "5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", BounceCategory.SpamRelated },
        { "Microsoft Exchange Online, smtp.codes/exchangeonline", 550, "5.7.1 Service unavailable, Client host [192.0.2.10] blocked using Spamhaus. (AS16012611)", BounceCategory.SpamRelated },
        { "Yahoo, smtp.codes/yahoo", 421, "4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", BounceCategory.SpamRelated },
        { "Comcast, postmaster.comcast.net mail-error-codes (a 550 with the block code and a link)", 550, "BL000010 http://postmaster.comcast.net/mail-error-codes.html", BounceCategory.SpamRelated },
        { "GMX, postmaster.gmx.com/en/error-messages", 554, "gmx.net (mxgmx104) Nemesis ESMTP Service not available No SMTP service IP address is block listed. For explanation visit https://postmaster.gmx.net/en/case?c=r0201&i=ip&v=198.51.100.42&r=1MNcgj-1ue23t3pyV-00S2YR", BounceCategory.SpamRelated },
        { "Apple iCloud, smtp.codes/icloud", 550, "5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/", BounceCategory.SpamRelated },
        // ---- VirusRelated ----
        { "Gmail, quoted at doc.sorbsecurity.com", 552, "5.7.0 This message was blocked because its content presents a potential security issue. Please visit https://support.google.com/mail/?p=BlockedMessage to review our message content and attachment content guidelines. - gsmtp", BounceCategory.VirusRelated },
        { "Gmail, as quoted on Sendmarc's SMTP error 552 page", 550, "5.7.0 Our system detected an illegal attachment on your message.", BounceCategory.VirusRelated },
        { "generic scanner, Sendmarc 552 page", 552, "Virus infected message rejected", BounceCategory.VirusRelated },
        // ---- AuthenticationFailure ----
        { "Gmail, mailflowauthority.com / support.google.com/a/answer/3726730", 550, "5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", BounceCategory.AuthenticationFailure },
        { "Yahoo, quoted at voxmail.it", 550, "5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = FAILURE - SPF example.com with ip 192.0.2.10 = FAILURE. See https://senders.yahooinc.com/smtp-error-codes/#authentication-failures for more information.", BounceCategory.AuthenticationFailure },
        { "Yahoo, help.yahoo.com SLN7253", 554, "5.7.9 Message not accepted for policy reasons.", BounceCategory.AuthenticationFailure },
        { "Gmail, quoted at netcorecloud.com", 421, "4.7.0 This message does not have authentication information or fails to pass authentication checks. To best protect our users from spam, the message has been blocked. Please visit https://support.google.com/mail/answer/81126#authentication for more information.", BounceCategory.AuthenticationFailure },
        { "Apple iCloud, smtp.codes/icloud", 550, "5.7.1 Your message was rejected due to example.com DMARC policy.", BounceCategory.AuthenticationFailure },
        { "Microsoft Exchange Online, easy365manager.com", 530, "5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM", BounceCategory.AuthenticationFailure },
        // ---- RoutingError ----
        { "Microsoft, learn.microsoft.com hop-count-exceeded-possible-mail-loop", 554, "5.4.14 Hop count exceeded - possible mail loop ATTR34 [SY3AUS99FT999.eop-AUS01.prod.protection.outlook.com]", BounceCategory.RoutingError },
        { "Microsoft Exchange Online, smtp.codes/exchangeonline", 451, "4.4.62 Mail sent to the wrong Office 365 region. ATTR35. For more information please go to https://go.microsoft.com/fwlink/?linkid=865268", BounceCategory.RoutingError },
        // ---- ProtocolError ----
        { "RFC 5321 section 4.2.3", 500, "Syntax error, command unrecognized", BounceCategory.ProtocolError },
        { "Gmail, support.google.com/a/answer/3726730", 451, "4.5.0 SMTP protocol violation, see RFC 2821.", BounceCategory.ProtocolError },
        { "Gmail, support.google.com/a/answer/3726730", 452, "4.5.3 Your message has too many recipients.", BounceCategory.ProtocolError },
        { "RFC 5321 section 4.2.3", 503, "Bad sequence of commands", BounceCategory.ProtocolError },
        // ---- ConnectionTimeout ----
        { "Microsoft Exchange Online NDR list", 451, "4.4.316 Connection refused [Message=Socket error code 10061]", BounceCategory.ConnectionTimeout },
        { "Gmail, support.google.com/a/answer/3726730", 451, "4.4.2 Timeout - closing connection.", BounceCategory.ConnectionTimeout },
        { "qmail-remote, sitepackage.de list", 0, "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", BounceCategory.ConnectionTimeout },
        // ---- Expired ----
        { "Microsoft, support.microsoft.com/help/3028012", 550, "4.4.7 QUEUE.Expired; message expired", BounceCategory.Expired },
        // ---- Uncategorized ----
        { "Yahoo, smtp.codes/yahoo", 451, "4.3.2 Internal server error", BounceCategory.Uncategorized },
        { "Gmail, support.google.com/a/answer/3726730", 421, "4.3.0 Temporary System Problem. Try again later", BounceCategory.Uncategorized },
        { "Yahoo, help.yahoo.com SLN3444", 421, "Resources temporarily unavailable. Please try again later", BounceCategory.Uncategorized },
    };

    [Theory]
    [MemberData(nameof(ProviderReplies))]
    public void A_provider_reply_gets_its_category(string provider, int code, string text, BounceCategory expected)
    {
        var (category, rule) = Shipped.Explain(code, null, text);
        Assert.True(expected == category, $"{provider}: {code} {text} -> {category} by {rule?.ToString() ?? "fallback"}");
    }

    [Fact]
    public void Our_own_delivery_failures_are_classified_by_their_status()
    {
        // The delivery agent's own failures carry RFC 3463 codes and texts no provider rule knows.
        Assert.Equal(BounceCategory.BadDomain, Shipped.Classify(550, "5.1.2", "no such domain: nowhere.example"));
        Assert.Equal(BounceCategory.BadDomain, Shipped.Classify(550, "5.1.10", "nullmx.example does not accept mail (null MX)"));
        Assert.Equal(BounceCategory.Expired, Shipped.Classify(451, "4.4.7", "delivery time expired"));
        Assert.Equal(BounceCategory.RoutingError, Shipped.Classify(554, "5.4.6", "routing loop"));
    }

    [Fact]
    public void A_qmail_bounce_that_gave_up_after_the_queue_lifetime_is_expired()
    {
        // qmail-send.c appends the last line to the last attempt's reason when the message dies of old age.
        const string qmail = """
            From: MAILER-DAEMON@mail.qmail.example
            Subject: failure notice

            Hi. This is the qmail-send program at mail.qmail.example.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <someone@gone.example>:
            Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
            I'm not going to try again; this message has been in the queue too long.

            --- Below this line is a copy of the message.

            Message-ID: <orig-2@sender.example>
            """;
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(qmail.ReplaceLineEndings("\r\n"))));

        var bounced = Assert.Single(new AsyncBounceParser(Shipped).Parse(message));

        Assert.Equal("someone@gone.example", bounced.Recipient);
        Assert.Equal("4.4.1", bounced.Status);
        Assert.Equal(BounceCategory.Expired, bounced.Category);
        Assert.Equal("orig-2@sender.example", bounced.OriginalMessageId);
    }

    [Fact]
    public void An_asynchronous_bounce_is_classified_with_the_shipped_rules()
    {
        const string exim = """
            From: Mail Delivery System <Mailer-Daemon@mail.exim.example>
            Subject: Mail delivery failed: returning message to sender

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              someone@yahoo.com
                SMTP error from remote mail server after end of data:
                host mta6.am0.yahoodns.net [192.0.2.50]: 554 5.7.9 Message not accepted for policy reasons.

            ------ This is a copy of the message, including all the headers. ------

            Message-Id: <orig-1@sender.example>
            """;
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(exim.ReplaceLineEndings("\r\n"))));

        var bounced = Assert.Single(new AsyncBounceParser(Shipped).Parse(message));

        Assert.Equal(BounceCategory.AuthenticationFailure, bounced.Category);
        Assert.Equal("mta6.am0.yahoodns.net", bounced.RemoteMta);
    }
}
