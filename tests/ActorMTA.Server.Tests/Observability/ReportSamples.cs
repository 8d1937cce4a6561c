using System.Text;
using ActorMTA.Protocol.Bounces;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Routing;
using Akka.Configuration;
using MimeKit;

namespace ActorMTA.Server.Tests.Observability;

/// <summary>Report addresses (VERP on, fbl@local.test) and the reports that arrive at them, for the report-event tests.</summary>
internal static class ReportSamples
{
    public static readonly ReportAddresses Addresses = new(
        BounceRulesSettings.FromConfig(ConfigurationFactory.ParseString("actormta.bounces { verp = on, feedback-addresses = [\"fbl@local.test\"] }")),
        () => "local.test");
    public static readonly AsyncBounceParser Bounces = new(new BounceClassifier([]));

    public static MimeMessage Load(string text) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));

    public static ReportAddress To(string address)
    {
        var at = address.LastIndexOf('@');
        return Addresses.Recognize(new SmtpPath(address[..at], address[(at + 1)..]))!;
    }

    /// <summary>An RFC 3464 bounce for <paramref name="finalRecipient"/>, sent to <paramref name="to"/>.</summary>
    public static string Dsn(string finalRecipient, string action = "failed", string status = "5.1.1", string diagnostic = "smtp; 550 5.1.1 <x>: Recipient address rejected: User unknown",
        string to = "bounces+01JQUEUE01=bob=remote.example@local.test") => $"""
        From: MAILER-DAEMON@remote.example
        To: {to}
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: text/plain

        Your message could not be delivered.
        --b
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.remote.example

        Final-Recipient: rfc822; {finalRecipient}
        Action: {action}
        Status: {status}
        Remote-MTA: dns; mx.remote.example
        Diagnostic-Code: {diagnostic}
        --b
        Content-Type: text/rfc822-headers

        From: alice@local.test
        To: {finalRecipient}
        Subject: hello
        Message-ID: <hello-1@local.test>
        --b--
        """;

    /// <summary>An ARF complaint (RFC 5965) from a feedback loop; MAILFROM and RCPTTO stand for its Original-Mail-From and
    /// Original-Rcpt-To (<see cref="Arf(string, string)"/> fills them).</summary>
    public const string ArfTemplate = """
        From: feedbackloop@yahoo.com
        To: fbl@local.test
        Subject: FW: hello
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="p"

        --p
        Content-Type: text/plain

        This is an email abuse report.
        --p
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: Yahoo!-Mail-Feedback/2.0
        Version: 1
        Original-Mail-From: <MAILFROM>
        Original-Rcpt-To: RCPTTO

        --p
        Content-Type: message/rfc822

        Received: from laptop ([198.51.100.7])
        	by mta.local.test (ActorMTA) with ESMTPSA id 01JQUEUE02; Sun, 6 Dec 2026 09:00:00 +0000
        From: alice@local.test
        To: dave@yahoo.example
        Subject: hello
        Message-ID: <hello-2@local.test>

        Hi.
        --p--
        """;

    public static string Arf(string originalMailFrom, string complainer) => ArfTemplate.Replace("MAILFROM", originalMailFrom).Replace("RCPTTO", complainer);
}
