using System.Text.RegularExpressions;
using ActorMTA.Protocol.Bounces;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Routing;
using MimeKit;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// The delivery events a report received at a report address says: an ARF complaint (RFC 5965) gives one Feedback
/// event, an asynchronous bounce (RFC 3464 DSN, qmail, old Exim) one Bounce per failed recipient (TransientFailure per
/// delayed one), all marked as read from a report. What the report leaves out comes from the address it came to: a
/// VERP return path names the message (queue id), the recipient we sent it to and the message's tenant, which puts
/// the suppression entry of a hard bounce or complaint on that tenant's list (nothing else on the node that receives
/// the report knows it: the queue entry is gone and the message may have left from another node). Pure: the caller
/// reads the message.
/// Nothing recognisable gives no events; the caller then keeps the message for a person.
/// </summary>
public static partial class ReportEvents
{
    public const string ProducerPrefix = "report|";
    public const string AsyncSource = "async";

    /// <summary>The event-log producer of the events of report <paramref name="reportQueueId"/> (sequences 1..n).</summary>
    public static string ProducerOf(string reportQueueId) => ProducerPrefix + reportQueueId;

    /// <param name="to">The report addresses the message was sent to (at least one).</param>
    /// <param name="hostName">This server's name, as its Received fields write it (a complaint's enclosed copy names our queue id there).</param>
    public static IReadOnlyList<DeliveryEvent> From(MimeMessage message, IReadOnlyList<ReportAddress> to, string reportQueueId, AsyncBounceParser bounces,
        ReportAddresses? addresses, string hostName, DateTimeOffset now)
    {
        var verp = to.Select(a => a.Target).FirstOrDefault(t => t is not null);
        var producer = ProducerOf(reportQueueId);
        if (ArfReportParser.Parse(message, [BounceBuilder.QueueIdField]) is { } complaint)
            return [Feedback(complaint, verp, producer, reportQueueId, addresses, hostName, now)];

        var found = bounces.Parse(message);
        if (found.Count == 0) return [];
        // A VERP return path is one message to one recipient: the address we sent to, whatever a forwarder made of it.
        IEnumerable<(BouncedRecipient Entry, string Recipient)> chosen = verp?.Recipient is { } sentTo
            ? [(found.FirstOrDefault(f => f.Action == "failed") ?? found[0], sentTo)]
            : found.Select(f => (f, f.OriginalRecipient ?? f.Recipient));
        var events = new List<DeliveryEvent>();
        foreach (var (entry, recipient) in chosen)
        {
            var sequence = events.Count + 1;
            var diagnostic = SmtpDiagnostic.Parse(entry.DiagnosticCode);
            events.Add(new DeliveryEvent
            {
                Id = EventIds.Of(producer, sequence, 0),
                Type = entry.Action == "failed" ? DeliveryEventType.Bounce : DeliveryEventType.TransientFailure,
                Time = now,
                QueueId = verp?.QueueId,
                MessageId = entry.OriginalMessageId,
                Recipient = recipient,
                Tenant = verp?.Tenant,
                MxHost = entry.RemoteMta,
                ReplyCode = diagnostic.ReplyCode == 0 ? null : diagnostic.ReplyCode,
                EnhancedCode = entry.Status ?? diagnostic.EnhancedStatus,
                ReplyText = diagnostic.Text.Length == 0 ? null : diagnostic.Text,
                BounceCategory = entry.Category.ToString(),
                BounceSource = AsyncSource,
                ReportQueueId = reportQueueId,
            });
        }
        return events;
    }

    private static DeliveryEvent Feedback(FeedbackReport report, VerpTarget? verp, string producer, string reportQueueId, ReportAddresses? addresses,
        string hostName, DateTimeOffset now)
    {
        // The copy's envelope sender is our VERP return path when the complaint was about VERP mail: message, recipient, tenant.
        VerpTarget? fromMailFrom = null;
        if (report.OriginalMailFrom is { } mailFrom && addresses is not null && addresses.Verp.TryDecode(mailFrom, out var decoded)) fromMailFrom = decoded;
        var target = verp ?? fromMailFrom;
        return new DeliveryEvent
        {
            Id = EventIds.Of(producer, 1, 0),
            Type = DeliveryEventType.Feedback,
            Time = now,
            QueueId = target?.QueueId ?? report.OriginalFields.GetValueOrDefault(BounceBuilder.QueueIdField) ?? QueueIdInReceived(report.OriginalReceived, hostName),
            MessageId = report.OriginalMessageId,
            Sender = fromMailFrom is null ? report.OriginalMailFrom : null,
            Recipient = report.Recipient ?? target?.Recipient,
            Tenant = target?.Tenant,
            FeedbackType = report.FeedbackType,
            FeedbackAgent = report.UserAgent,
            ReplyText = report.UserAgent is null ? report.FeedbackType : $"{report.FeedbackType} ({report.UserAgent})",
            ReportQueueId = reportQueueId,
        };
    }

    /// <summary>Our queue id from the newest Received field we wrote ("by HOST (ActorMTA) with ESMTP id QUEUEID").</summary>
    private static string? QueueIdInReceived(IReadOnlyList<string> received, string hostName)
    {
        foreach (var field in received)
        {
            var m = OurReceived().Match(field);
            if (m.Success && m.Groups["host"].Value.Equals(hostName, StringComparison.OrdinalIgnoreCase)) return m.Groups["id"].Value;
        }
        return null;
    }

    [GeneratedRegex(@"\bby\s+(?<host>\S+)\s+\(ActorMTA\)\s+with\s+\S+\s+id\s+(?<id>[A-Za-z0-9]+)", RegexOptions.None, 1000)]
    private static partial Regex OurReceived();
}
