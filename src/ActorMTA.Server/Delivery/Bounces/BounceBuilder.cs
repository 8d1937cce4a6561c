using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Utils;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// Builds RFC 3464 delivery status notifications: <c>multipart/report; report-type=delivery-status</c>
/// with a human-readable part, a <c>message/delivery-status</c> part and the original header section
/// as <c>text/rfc822-headers</c>. Sent from the null sender by the caller, so a bounce can never bounce.
/// </summary>
public static partial class BounceBuilder
{
    public const string FailureSubject = "Undelivered Mail Returned to Sender";
    public const string DelaySubject = "Delayed Mail (still being retried)";

    /// <summary>Per-message field carrying our queue id, so a report can be matched to the log.</summary>
    public const string QueueIdField = "X-ActorMTA-Queue-ID";

    /// <summary>Diagnostic type used when the caller's diagnostic text does not name one.</summary>
    public const string DefaultDiagnosticType = "X-ActorMTA";

    /// <summary>
    /// False for the null reverse-path (empty or "&lt;&gt;"): notifications about notifications are never
    /// sent (RFC 5321 §4.5.5, RFC 3464 §2).
    /// </summary>
    public static bool ShouldBounce(string envelopeFrom)
    {
        var trimmed = envelopeFrom.Trim();
        return trimmed.Length > 0 && trimmed != "<>";
    }

    public static MimeMessage Build(BounceRequest r)
    {
        if (!ShouldBounce(r.OriginalEnvelopeFrom))
            throw new ArgumentException("A delivery status notification is never sent to the null sender", nameof(r));
        if (r.Recipients.Count == 0)
            throw new ArgumentException("A delivery status notification needs at least one recipient", nameof(r));

        var explanation = new TextPart("plain") { Text = HumanReadableText(r) };
        // Plain ASCII stays 7bit; an internationalised address makes it quoted-printable, never raw 8-bit.
        explanation.ContentTransferEncoding = explanation.GetBestEncoding(EncodingConstraint.SevenBit);

        var report = new MultipartReport("delivery-status")
        {
            explanation,
            DeliveryStatus(r),
            new TextRfc822Headers { Message = new MimeMessage(ReadHeaderSection(r.OriginalContent)) },
        };

        var message = new MimeMessage();
        message.Headers.Clear();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + r.ReportingMta));
        message.To.Add(new MailboxAddress(string.Empty, StripAngleBrackets(r.OriginalEnvelopeFrom)));
        message.Subject = r.IsDelayWarning ? DelaySubject : FailureSubject;
        message.Date = DateTimeOffset.Now;
        message.MessageId = MimeUtils.GenerateMessageId(r.ReportingMta);
        // RFC 3834: an automatic response; well-behaved autoresponders will not answer it.
        message.Headers.Add("Auto-Submitted", "auto-replied");
        message.Body = report;
        return message;
    }

    private static MessageDeliveryStatus DeliveryStatus(BounceRequest r)
    {
        var status = new MessageDeliveryStatus();

        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + r.ReportingMta },
            { QueueIdField, r.OriginalQueueId },
            { "Arrival-Date", DateUtils.FormatDate(r.ArrivalDate) },
        };
        status.StatusGroups.Add(perMessage);

        foreach (var recipient in r.Recipients)
        {
            var fields = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + StripAngleBrackets(recipient.Address) },
                { "Action", r.IsDelayWarning ? "delayed" : "failed" },
                { "Status", recipient.Status },
            };
            if (!string.IsNullOrWhiteSpace(recipient.RemoteMta))
                fields.Add("Remote-MTA", "dns; " + recipient.RemoteMta);
            if (!string.IsNullOrWhiteSpace(recipient.DiagnosticCode))
                fields.Add("Diagnostic-Code", WithDiagnosticType(recipient.DiagnosticCode));
            if (recipient.LastAttempt is { } lastAttempt)
                fields.Add("Last-Attempt-Date", DateUtils.FormatDate(lastAttempt));
            status.StatusGroups.Add(fields);
        }
        status.Content = SerialiseGroups(status.StatusGroups);
        return status;
    }

    /// <summary>
    /// MimeKit ends every group with a blank line, the last one included; with the newline that precedes
    /// the MIME boundary that reads back as an extra, empty recipient group. Groups are separated, not
    /// terminated, by a blank line (RFC 3464 §2.1), so the trailing one is dropped.
    /// </summary>
    private static MimeContent SerialiseGroups(HeaderListCollection groups)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Unix;
        var buffer = new MemoryStream();
        foreach (var group in groups)
            group.WriteTo(options, buffer);
        var length = buffer.Length;
        if (length >= 2 && buffer.GetBuffer()[length - 1] == '\n' && buffer.GetBuffer()[length - 2] == '\n')
            buffer.SetLength(length - 1);
        buffer.Position = 0;
        return new MimeContent(buffer);
    }

    private static string HumanReadableText(BounceRequest r)
    {
        var text = new StringBuilder();
        text.Append("This is the mail system at host ").Append(r.ReportingMta).Append(".\n\n");
        if (r.IsDelayWarning)
        {
            text.Append("Your message could not be delivered yet to the recipients listed below.\n");
            text.Append("This is a warning only: the mail system will keep trying, and you do not need\n");
            text.Append("to send the message again.\n\n");
        }
        else
        {
            text.Append("Your message could not be delivered to the recipients listed below.\n");
            text.Append("This is a permanent error; the mail system has given up.\n\n");
        }
        foreach (var recipient in r.Recipients)
        {
            text.Append('<').Append(StripAngleBrackets(recipient.Address)).Append(">: ");
            text.Append(string.IsNullOrWhiteSpace(recipient.DiagnosticCode)
                ? "status " + recipient.Status
                : DiagnosticText(recipient.DiagnosticCode));
            if (!string.IsNullOrWhiteSpace(recipient.RemoteMta))
                text.Append(" (remote host ").Append(recipient.RemoteMta).Append(')');
            text.Append('\n');
        }
        text.Append("\nThe delivery report and the headers of your message are attached.\n");
        return text.ToString();
    }

    /// <summary>
    /// The original header section only (RFC 3462 text/rfc822-headers): the body is neither read nor
    /// returned, so a bounce is small whatever the size of the message.
    /// </summary>
    private static HeaderList ReadHeaderSection(Stream content)
    {
        var parser = new MimeParser(content, MimeFormat.Entity, persistent: false);
        return parser.ParseHeaders();
    }

    private static string WithDiagnosticType(string diagnostic) =>
        DiagnosticTypePrefix().IsMatch(diagnostic) ? diagnostic.Trim() : DefaultDiagnosticType + "; " + diagnostic.Trim();

    private static string DiagnosticText(string diagnostic)
    {
        var match = DiagnosticTypePrefix().Match(diagnostic);
        return match.Success ? diagnostic[match.Length..].Trim() : diagnostic.Trim();
    }

    private static string StripAngleBrackets(string address)
    {
        var trimmed = address.Trim();
        return trimmed.Length >= 2 && trimmed[0] == '<' && trimmed[^1] == '>' ? trimmed[1..^1] : trimmed;
    }

    // RFC 3464 diagnostic-type is an atom such as "smtp" or "X-Postfix", followed by ";".
    [GeneratedRegex(@"^\s*[A-Za-z0-9][A-Za-z0-9\-_.]*\s*;")]
    private static partial Regex DiagnosticTypePrefix();
}
