using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Queues;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Turns the journal events of a domain queue into delivery events. Pure: given the same journal event and the queue
/// entry as it was before the event, it gives the same events with the same ids, whether the event was just written or
/// is replayed after a crash; that is what makes the event log complete without ever being written before the journal.
/// </summary>
public sealed class QueueEventDeriver
{
    private readonly string _queue;
    private readonly string _producer;
    private readonly string? _node;
    private readonly Func<SmtpReply, string?>? _classify;

    /// <param name="queue">The domain queue's name (domain, or domain#partition).</param>
    /// <param name="node">This node's name, written into each event.</param>
    /// <param name="classify">The bounce category of a reply (null: not classified).</param>
    /// <param name="producer">The queue entity's persistence id: with the journal sequence number it makes each event's id.</param>
    public QueueEventDeriver(string queue, string producer, string? node, Func<SmtpReply, string?>? classify = null)
    {
        _queue = queue;
        _producer = producer;
        _node = node;
        _classify = classify;
    }

    /// <summary>The events of journal event number <paramref name="sequence"/>; <paramref name="entry"/> is the queue entry
    /// the event is about, as it was before it (null when there was none).</summary>
    public IReadOnlyList<DeliveryEvent> Derive(long sequence, IDomainQueueEvent journalEvent, QueuedDelivery? entry) => journalEvent switch
    {
        DeliveryQueued queued when entry is null => Received(sequence, queued),
        DeliveryAttempted attempted when entry is not null => Attempted(sequence, attempted, entry),
        _ => [],
    };

    private IReadOnlyList<DeliveryEvent> Received(long sequence, DeliveryQueued queued)
    {
        var events = new DeliveryEvent[queued.Recipients.Count];
        for (var i = 0; i < events.Length; i++)
            events[i] = new DeliveryEvent
            {
                Id = IdOf(sequence, i),
                Type = DeliveryEventType.Reception,
                Time = queued.QueuedAt,
                QueueId = queued.QueueId,
                MessageId = queued.Tags.MessageId,
                Sender = queued.ReversePath,
                Recipient = queued.Recipients[i],
                Tenant = queued.Tags.Tenant,
                Campaign = queued.Tags.Campaign,
                Pool = queued.Pool,
                Queue = _queue,
                Size = queued.Size,
                Node = _node,
            };
        return events;
    }

    private IReadOnlyList<DeliveryEvent> Attempted(long sequence, DeliveryAttempted attempted, QueuedDelivery entry)
    {
        var report = attempted.Report;
        var failed = new Dictionary<string, FailedDelivery>(StringComparer.Ordinal);
        foreach (var f in attempted.Failed) failed[f.Recipient] = f;
        var delivered = attempted.Delivered.ToHashSet(StringComparer.Ordinal);
        // Without a report (journals from before QA2) only the settled recipients are known.
        IEnumerable<string> recipients = report is not null
            ? report.Replies.Select(r => r.Recipient)
            : attempted.Delivered.Concat(attempted.Failed.Select(f => f.Recipient));
        var attempt = entry.Attempts + (attempted.Counted ? 1 : 0);
        var events = new List<DeliveryEvent>();
        foreach (var recipient in recipients)
        {
            var reply = report?.ReplyOf(recipient);
            failed.TryGetValue(recipient, out var failure);
            string type;
            if (delivered.Contains(recipient)) type = DeliveryEventType.Delivery;
            else if (failure is not null)
            {
                type = failure.IsRelayed ? DeliveryEventType.Delivery : report?.Kind switch
                {
                    AttemptKind.Expiry => DeliveryEventType.Expiration,
                    AttemptKind.AdminBounce => DeliveryEventType.AdminBounce,
                    _ => DeliveryEventType.Bounce,
                };
                reply ??= ReplyOf(failure);
            }
            else if (entry.Recipients.Contains(recipient, StringComparer.Ordinal)) type = DeliveryEventType.TransientFailure;
            else continue; // settled earlier: a late duplicate report
            var at = report?.At ?? failure?.At ?? attempted.NextAttemptAt;
            events.Add(new DeliveryEvent
            {
                Id = IdOf(sequence, events.Count),
                Type = type,
                Time = at,
                QueueId = entry.QueueId,
                MessageId = entry.Tags.MessageId,
                Sender = entry.ReversePath,
                Recipient = recipient,
                Tenant = entry.Tags.Tenant,
                Campaign = entry.Tags.Campaign,
                Pool = entry.Pool,
                Queue = _queue,
                Site = report?.Site,
                Provider = report?.Provider,
                Source = report?.Source,
                MxHost = report?.MxHost ?? failure?.RemoteMta,
                MxIp = report?.MxAddress,
                TlsProtocol = report?.TlsProtocol,
                TlsCipher = report?.TlsCipher,
                ReplyCode = reply?.Code,
                EnhancedCode = reply?.EnhancedCode,
                ReplyText = reply is null ? null : string.Join(" ", reply.Lines),
                Attempt = attempt,
                Size = entry.Size,
                QueueTimeMs = (long)Math.Max(0, (at - entry.QueuedAt).TotalMilliseconds),
                AttemptMs = report is { Kind: AttemptKind.Attempt } ? report.DurationMs : null,
                BounceCategory = type is DeliveryEventType.Delivery || reply is null || _classify is null ? null : _classify(reply),
                Node = _node,
            });
        }
        return events;
    }

    // "smtp; 550 5.1.1 no such user" (a DSN's Diagnostic-Code) back into a reply, for journals without a report.
    private static SmtpReply? ReplyOf(FailedDelivery failure)
    {
        var text = failure.Diagnostic;
        var semicolon = text.IndexOf(';');
        if (semicolon >= 0) text = text[(semicolon + 1)..].Trim();
        if (text.Length < 3 || !int.TryParse(text.AsSpan(0, 3), out var code)) return new SmtpReply(550, failure.Status, text);
        var rest = text[3..].Trim();
        return new SmtpReply(code, failure.Status, rest.StartsWith(failure.Status, StringComparison.Ordinal) ? rest[failure.Status.Length..].Trim() : rest);
    }

    /// <summary>The same for the same journal event however often it is derived (<see cref="EventIds"/>).</summary>
    private string IdOf(long sequence, int index) => EventIds.Of(_producer, sequence, index);
}
