using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Protocol.Smtp;
using MimeKit;
using MimeKit.Utils;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// Builds RFC 3464 delivery status notifications: <c>multipart/report; report-type=delivery-status</c>
/// with a human-readable part, a <c>message/delivery-status</c> part and the original header section
/// as <c>text/rfc822-headers</c>, or the whole original as <c>message/rfc822</c> when a failure is reported
/// for a message sent with RET=FULL (RFC 3461 section 4.3; without RET only the headers, like RET=HDRS).
/// Sent from the null sender by the caller, so a bounce can never bounce.
/// </summary>
public static partial class BounceBuilder
{
    public const string FailureSubject = "Undelivered Mail Returned to Sender";
    public const string DelaySubject = "Delayed Mail (still being retried)";
    public const string SuccessSubject = "Successful Mail Delivery Report";

    /// <summary>Per-message field carrying our queue id, so a report can be matched to the log.</summary>
    public const string QueueIdField = "X-ActorMTA-Queue-ID";

    /// <summary>Per-recipient field with the failure's bounce category (actormta.bounces rules).</summary>
    public const string CategoryField = "X-ActorMTA-Bounce-Category";

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
        if (!ShouldBounce(r.NotifyAddress))
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
            ReturnsFullMessage(r) ? FullMessage(r.OriginalContent) : new TextRfc822Headers { Message = new MimeMessage(ReadHeaderSection(r.OriginalContent)) },
        };

        var message = new MimeMessage();
        message.Headers.Clear();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + r.ReportingMta));
        message.To.Add(new MailboxAddress(string.Empty, StripAngleBrackets(r.NotifyAddress)));
        message.Subject = ReportsFailure(r) ? FailureSubject
            : r.Recipients.All(x => x.ActionIn(r.IsDelayWarning) == DsnAction.Delayed) ? DelaySubject
            : SuccessSubject;
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

        var perMessage = new HeaderList();
        if (r.Dsn.EnvelopeId is { } envelopeId) perMessage.Add("Original-Envelope-Id", AsciiOrXText(envelopeId));
        foreach (var field in new HeaderList
        {
            { "Reporting-MTA", "dns; " + r.ReportingMta },
            { QueueIdField, r.OriginalQueueId },
            { "Arrival-Date", DateUtils.FormatDate(r.ArrivalDate) },
        })
        {
            perMessage.Add(field);
        }
        status.StatusGroups.Add(perMessage);

        foreach (var recipient in r.Recipients)
        {
            var fields = new HeaderList();
            if (recipient.Dsn.OriginalRecipient is { } original) fields.Add("Original-Recipient", OriginalRecipientField(original));
            fields.Add("Final-Recipient", "rfc822; " + StripAngleBrackets(recipient.Address));
            fields.Add("Action", ActionName(recipient.ActionIn(r.IsDelayWarning)));
            fields.Add("Status", recipient.Status);
            if (!string.IsNullOrWhiteSpace(recipient.RemoteMta))
                fields.Add("Remote-MTA", "dns; " + recipient.RemoteMta);
            if (!string.IsNullOrWhiteSpace(recipient.DiagnosticCode))
                fields.Add("Diagnostic-Code", WithDiagnosticType(recipient.DiagnosticCode));
            if (recipient.LastAttempt is { } lastAttempt)
                fields.Add("Last-Attempt-Date", DateUtils.FormatDate(lastAttempt));
            // An extension field (RFC 3464 section 3: X- fields) a sender's bounce processing can read as it is.
            if (recipient.Category is { } category && recipient.ActionIn(r.IsDelayWarning) is DsnAction.Failed or DsnAction.Delayed)
                fields.Add(CategoryField, category);
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
        if (ReportsFailure(r))
        {
            text.Append("Your message could not be delivered to the recipients listed below.\n");
            text.Append("This is a permanent error; the mail system has given up.\n\n");
        }
        else if (r.Recipients.Any(x => x.ActionIn(r.IsDelayWarning) == DsnAction.Delayed))
        {
            text.Append("Your message could not be delivered yet to the recipients listed below.\n");
            text.Append("This is a warning only: the mail system will keep trying, and you do not need\n");
            text.Append("to send the message again.\n\n");
        }
        else
        {
            text.Append("Your message was delivered to the recipients listed below (\"relayed\": handed to a\n");
            text.Append("server that sends no further delivery notifications).\n\n");
        }
        foreach (var recipient in r.Recipients)
        {
            text.Append('<').Append(StripAngleBrackets(recipient.Address)).Append(">: ");
            var action = recipient.ActionIn(r.IsDelayWarning);
            if (action is DsnAction.Delivered or DsnAction.Relayed) text.Append(ActionName(action)).Append(", ");
            text.Append(string.IsNullOrWhiteSpace(recipient.DiagnosticCode)
                ? "status " + recipient.Status
                : DiagnosticText(recipient.DiagnosticCode));
            if (!string.IsNullOrWhiteSpace(recipient.RemoteMta))
                text.Append(" (remote host ").Append(recipient.RemoteMta).Append(')');
            text.Append('\n');
        }
        text.Append(ReturnsFullMessage(r)
            ? "\nThe delivery report and your message are attached.\n"
            : "\nThe delivery report and the headers of your message are attached.\n");
        return text.ToString();
    }

    private static bool ReportsFailure(BounceRequest r) => r.Recipients.Any(x => x.ActionIn(r.IsDelayWarning) == DsnAction.Failed);

    /// <summary>RFC 3461 section 4.3: RET applies to failure reports only; without RET we return the headers, like
    /// RET=HDRS, so a report stays small whatever the size of the message.</summary>
    private static bool ReturnsFullMessage(BounceRequest r) => r.Dsn.Return == DsnReturn.Full && ReportsFailure(r);

    /// <summary>The whole original as message/rfc822, its 8-bit parts encoded to 7-bit so the report itself needs no
    /// 8BITMIME on its way back.</summary>
    private static MessagePart FullMessage(Stream content)
    {
        var original = MimeMessage.Load(content);
        original.Prepare(EncodingConstraint.SevenBit);
        return new MessagePart("rfc822") { Message = original };
    }

    private static string ActionName(DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>ORCPT as given ("rfc822;bob@example.org"), with a space after the address type like Final-Recipient.</summary>
    private static string OriginalRecipientField(string original)
    {
        var semicolon = original.IndexOf(';');
        return semicolon < 0 ? "rfc822; " + AsciiOrXText(original)
            : original[..semicolon].Trim() + "; " + AsciiOrXText(original[(semicolon + 1)..].Trim());
    }

    // Status fields are ASCII (RFC 3464 section 2.1); a value that is not goes back in the xtext it came in.
    private static string AsciiOrXText(string value) => Ascii.IsValid(value) && !value.Any(char.IsControl) ? value : XText.Encode(value);

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
