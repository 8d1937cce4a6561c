using MimeKit;

namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// Reads an Abuse Reporting Format message (RFC 5965; the feedback loops of Yahoo, Microsoft JMRP/SNDS, Comcast,
/// Fastmail, Mail.ru...): <c>multipart/report; report-type=feedback-report</c> whose second part is a
/// <c>message/feedback-report</c> (Feedback-Type, User-Agent, Version, Original-Mail-From, Original-Rcpt-To,
/// Arrival-Date, Source-IP, Reported-Domain...) and whose third part is the original message or its header
/// (<c>message/rfc822</c> or <c>text/rfc822-headers</c>). Pure: no I/O. Anything else gives null, never an
/// exception. Lenient where providers are: Microsoft's JMRP sends no Original-Rcpt-To (its recipient is in the
/// enclosed To), and some reports omit report-type or put the fields under another content type name.
/// </summary>
public static class ArfReportParser
{
    // The fields of the original's header a caller may want besides the standard ones (a stamped queue id).
    private static readonly string[] NoExtraFields = [];

    /// <param name="originalFields">Names of header fields of the enclosed original to return in <see cref="FeedbackReport.OriginalFields"/>.</param>
    public static FeedbackReport? Parse(MimeMessage message, IReadOnlyCollection<string>? originalFields = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var fields = ReportFields(message);
            if (fields is null) return null;
            var type = Value(fields, "Feedback-Type")?.ToLowerInvariant();
            if (type is null) return null;
            var original = Original(message);
            var rcptTo = fields.Where(h => h.Field.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase))
                .Select(h => Address(h.Value)).OfType<string>().ToList();
            var originalTo = original?.To.Mailboxes.Select(m => m.Address).FirstOrDefault(a => a.Contains('@'));
            var extra = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (original is not null)
                foreach (var name in originalFields ?? NoExtraFields)
                    if (original.Headers[name] is { Length: > 0 } v) extra[name] = v.Trim();
            return new FeedbackReport(type, rcptTo.FirstOrDefault() ?? originalTo)
            {
                UserAgent = Value(fields, "User-Agent"),
                Version = Value(fields, "Version"),
                OriginalMailFrom = Address(Value(fields, "Original-Mail-From")),
                OriginalRcptTo = rcptTo,
                ArrivalDate = Value(fields, "Arrival-Date") ?? Value(fields, "Received-Date"),
                SourceIp = Value(fields, "Source-IP"),
                ReportedDomain = Value(fields, "Reported-Domain"),
                ReportingMta = Typed(Value(fields, "Reporting-MTA")),
                OriginalMessageId = original?.MessageId ?? Address(Value(fields, "Original-Message-ID"))?.Trim('<', '>'),
                OriginalSubject = original?.Subject,
                OriginalReceived = original?.Headers.Where(h => h.Id == HeaderId.Received).Select(h => h.Value).ToList() ?? [],
                OriginalFields = extra,
            };
        }
        catch (Exception e) when (e is FormatException or ParseException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The fields of the message/feedback-report part; null when the message holds none.</summary>
    private static HeaderList? ReportFields(MimeMessage message)
    {
        foreach (var part in message.BodyParts)
        {
            if (part is MessageFeedbackReport report) return report.Fields;
            // A report part under another name (text/plain in some old JMRP mail) still starts with Feedback-Type.
            if (part is MimePart { Content: not null } mime && mime.ContentType.IsMimeType("message", "feedback-report"))
                return LoadFields(mime);
        }
        return null;
    }

    private static HeaderList? LoadFields(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content.DecodeTo(stream);
        stream.Position = 0;
        return HeaderList.Load(stream);
    }

    /// <summary>The enclosed original: the message/rfc822 part, else the text/rfc822-headers part's header.</summary>
    private static MimeMessage? Original(MimeMessage message) =>
        message.BodyParts.OfType<MessagePart>().FirstOrDefault(p => p is not TextRfc822Headers)?.Message
        ?? message.BodyParts.OfType<TextRfc822Headers>().FirstOrDefault()?.Message;

    private static string? Value(HeaderList fields, string name)
    {
        var v = fields[name];
        return string.IsNullOrWhiteSpace(v) ? null : string.Join(' ', v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>"&lt;a@b&gt;", "rfc822; a@b" or "a@b" to "a@b"; null for an empty value.</summary>
    private static string? Address(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = Typed(value)!;
        var lt = v.IndexOf('<');
        var gt = v.LastIndexOf('>');
        if (lt >= 0 && gt > lt) v = v[(lt + 1)..gt];
        v = v.Trim();
        return v.Length == 0 ? null : v;
    }

    private static string? Typed(string? value)
    {
        if (value is null) return null;
        var semicolon = value.IndexOf(';');
        // Only a one-word type counts ("rfc822; a@b", "dns; mx.example").
        if (semicolon > 0 && value[..semicolon].Trim().All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) value = value[(semicolon + 1)..];
        var v = value.Trim();
        return v.Length == 0 ? null : v;
    }
}
