using System.Text.RegularExpressions;
using MimeKit;

namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// Reads a message that arrived at a return path as a bounce: an RFC 3464 delivery status notification, or the
/// plain-text reports of qmail-send and of older Exim. Each failed or delayed recipient comes back classified
/// (status and diagnostic text). Anything else (a reply by a person, an auto-reply, a success DSN) gives an empty
/// list, never an exception: what arrives at a return path is outside our control.
/// </summary>
public sealed partial class AsyncBounceParser(BounceClassifier classifier)
{
    // The report comes before the copy of the message; a bounce's report is a few kilobytes, the copy may be anything.
    private const int MaxReportChars = 256 * 1024;
    private const int MatchTimeoutMs = 1000;

    public IReadOnlyList<BouncedRecipient> Parse(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var dsn = message.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault();
            if (dsn is not null) return FromDsn(message, dsn);
            var text = message.TextBody;
            if (string.IsNullOrEmpty(text)) return [];
            if (text.Length > MaxReportChars) text = text[..MaxReportChars];
            text = text.Replace("\r\n", "\n");
            if (text.Contains("This is the qmail-send program", StringComparison.Ordinal)) return FromQmail(text);
            if (text.Contains("This message was created automatically by mail delivery software.", StringComparison.Ordinal)) return FromExim(text);
            return [];
        }
        catch (Exception e) when (e is FormatException or ParseException or InvalidOperationException or RegexMatchTimeoutException)
        {
            return [];
        }
    }

    // RFC 3464 section 2.2: the first group holds the per-message fields, each later one a recipient's.
    private List<BouncedRecipient> FromDsn(MimeMessage message, MessageDeliveryStatus dsn)
    {
        var groups = dsn.StatusGroups;
        if (groups.Count < 2) return [];
        var envelopeId = Value(groups[0], "Original-Envelope-Id");
        var messageId = OriginalHeaders(message)?.MessageId;
        var result = new List<BouncedRecipient>();
        for (var i = 1; i < groups.Count; i++)
        {
            var g = groups[i];
            var action = Value(g, "Action")?.ToLowerInvariant();
            if (action is not ("failed" or "delayed")) continue;
            var recipient = Typed(Value(g, "Final-Recipient")) ?? Typed(Value(g, "Original-Recipient"));
            if (recipient is null) continue;
            var diagnostic = Value(g, "Diagnostic-Code");
            var status = Value(g, "Status")?.Split(' ', 2)[0];
            result.Add(Classified(recipient, action, status, diagnostic, Typed(Value(g, "Remote-MTA")), BounceFormat.Rfc3464) with
            {
                OriginalRecipient = Typed(Value(g, "Original-Recipient")),
                OriginalMessageId = messageId,
                OriginalEnvelopeId = envelopeId,
            });
        }
        return result;
    }

    private static MimeMessage? OriginalHeaders(MimeMessage message) =>
        message.BodyParts.OfType<TextRfc822Headers>().FirstOrDefault()?.Message
        ?? message.BodyParts.OfType<MessagePart>().FirstOrDefault(p => p is not TextRfc822Headers)?.Message;

    // qmail-send (qmail-send.c, bounce text): one paragraph per address, "<address>:" then what happened, up to the
    // "--- Below this line is a copy of the message." line.
    private List<BouncedRecipient> FromQmail(string text)
    {
        var copyAt = text.IndexOf("--- Below this line is a copy of the message.", StringComparison.Ordinal);
        var report = copyAt < 0 ? text : text[..copyAt];
        var messageId = copyAt < 0 ? null : MessageIdIn(text[copyAt..]);
        var result = new List<BouncedRecipient>();
        foreach (Match m in QmailParagraph().Matches(report))
        {
            var recipient = m.Groups["address"].Value;
            var body = m.Groups["body"].Value.Trim();
            var said = QmailRemoteSaid().Match(body);
            var diagnostic = said.Success ? said.Groups[1].Value : body;
            var status = QmailStatus().Match(body) is { Success: true } s ? s.Groups[1].Value : null;
            var remote = QmailRemoteHost().Match(body) is { Success: true } h ? h.Groups[1].Value : null;
            result.Add(Classified(recipient, "failed", status, diagnostic, remote, BounceFormat.Qmail) with { OriginalMessageId = messageId });
        }
        return result;
    }

    // Exim (before 4.90, src/deliver.c): after "The following address(es) failed:" each address on its own line
    // indented two spaces, then its reason indented further; the copy of the message follows a "------ This is a
    // copy" line. Delay warnings ("has not yet been delivered") list addresses the same way.
    private List<BouncedRecipient> FromExim(string text)
    {
        var copyAt = EximCopy().Match(text);
        var report = copyAt.Success ? text[..copyAt.Index] : text;
        var messageId = copyAt.Success ? MessageIdIn(text[copyAt.Index..]) : null;
        var action = report.Contains("has not yet been delivered", StringComparison.Ordinal) ? "delayed" : "failed";
        var listAt = EximListStart().Match(report);
        if (!listAt.Success) return [];
        var result = new List<BouncedRecipient>();
        string? recipient = null;
        var reason = new List<string>();
        foreach (var line in report[(listAt.Index + listAt.Length)..].Split('\n'))
        {
            var address = EximAddressLine().Match(line);
            if (address.Success)
            {
                Flush();
                recipient = address.Groups[1].Value;
            }
            else if (recipient is not null && line.StartsWith("   ", StringComparison.Ordinal)) reason.Add(line.Trim());
            else if (recipient is not null && line.Trim().Length > 0 && !line.StartsWith(' ')) { Flush(); break; }
        }
        Flush();
        return result;

        void Flush()
        {
            if (recipient is null) return;
            var joined = string.Join(" ", reason);
            var host = EximHost().Match(joined);
            var diagnostic = host.Success ? joined[(host.Index + host.Length)..].Trim() : joined;
            result.Add(Classified(recipient, action, null, diagnostic, host.Success ? host.Groups[1].Value : null, BounceFormat.Exim)
                with { OriginalMessageId = messageId });
            recipient = null;
            reason.Clear();
        }
    }

    private BouncedRecipient Classified(string recipient, string action, string? status, string? diagnostic, string? remoteMta, BounceFormat format)
    {
        var parsed = SmtpDiagnostic.Parse(diagnostic);
        // A DSN's Status is often a generic x.0.0 while the remote server's answer says more; then the answer's wins.
        var effective = status is null || status.EndsWith(".0.0", StringComparison.Ordinal) ? parsed.EnhancedStatus ?? status : status;
        var category = classifier.Classify(parsed.ReplyCode, effective, parsed.Text);
        return new BouncedRecipient(recipient.Trim().Trim('<', '>'), action, effective, string.IsNullOrWhiteSpace(diagnostic) ? null : diagnostic.Trim(), remoteMta, category, format);
    }

    private static string? Value(HeaderList group, string field)
    {
        var v = group[field];
        return string.IsNullOrWhiteSpace(v) ? null : Regex.Replace(v, @"\s+", " ").Trim();
    }

    /// <summary>"rfc822; a@b" to "a@b"; "dns; mx.example" to "mx.example".</summary>
    private static string? Typed(string? value)
    {
        if (value is null) return null;
        var semicolon = value.IndexOf(';');
        var v = (semicolon < 0 ? value : value[(semicolon + 1)..]).Trim().Trim('<', '>');
        return v.Length == 0 ? null : v;
    }

    private static string? MessageIdIn(string copy)
    {
        var m = MessageIdHeader().Match(copy);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^<(?<address>[^<>\s]+)>:\n(?<body>(?:[^\n]+\n)*[^\n]*)", RegexOptions.Multiline, MatchTimeoutMs)]
    private static partial Regex QmailParagraph();

    [GeneratedRegex(@"\(#([245]\.\d{1,3}\.\d{1,3})\)", RegexOptions.None, MatchTimeoutMs)]
    private static partial Regex QmailStatus();

    [GeneratedRegex(@"Remote host said:\s*(.+?)\s*(?:\nGiving up on |\z)", RegexOptions.Singleline, MatchTimeoutMs)]
    private static partial Regex QmailRemoteSaid();

    [GeneratedRegex(@"^(?:Connected to )?(\S+) (?:but |does not like)", RegexOptions.Multiline, MatchTimeoutMs)]
    private static partial Regex QmailRemoteHost();

    [GeneratedRegex(@"^-{3,} This is a copy of (?:the|your) message", RegexOptions.Multiline, MatchTimeoutMs)]
    private static partial Regex EximCopy();

    [GeneratedRegex(@"(?:The following address\(es\) failed:|has not yet been delivered (?:is|are):)[ \t]*\n", RegexOptions.None, MatchTimeoutMs)]
    private static partial Regex EximListStart();

    [GeneratedRegex(@"^  (\S+@\S+?)\s*$", RegexOptions.None, MatchTimeoutMs)]
    private static partial Regex EximAddressLine();

    [GeneratedRegex(@"host (\S+) \[[^\]]+\]:", RegexOptions.None, MatchTimeoutMs)]
    private static partial Regex EximHost();

    [GeneratedRegex(@"^Message-Id:\s*<([^>\r\n]+)>", RegexOptions.Multiline | RegexOptions.IgnoreCase, MatchTimeoutMs)]
    private static partial Regex MessageIdHeader();
}
