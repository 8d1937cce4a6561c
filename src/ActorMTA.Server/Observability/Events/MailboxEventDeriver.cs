using ActorMTA.Server.Mailboxes;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Turns a mailbox's journaled delivery (a <see cref="MessageAppended"/> with its <see cref="DeliveryEnvelope"/>) into
/// delivery events: for each recipient that led to the mailbox a Reception, then for each a Delivery, shaped like the
/// queue's (<see cref="QueueEventDeriver"/>) minus what only a remote attempt has (MX host and IP, TLS, reply, attempt,
/// pool, queue). Pure: the same journal event gives the same events with the same ids, whether just written or replayed.
/// An append without an envelope (IMAP APPEND, COPY, MOVE; a journal from before MA2) gives none.
/// </summary>
public sealed class MailboxEventDeriver
{
    private readonly string _mailbox;
    private readonly string _producer;
    private readonly string? _node;

    /// <param name="mailbox">The mailbox's address (the Mailbox entity's name).</param>
    /// <param name="producer">The mailbox entity's persistence id: with the journal sequence number it makes each event's id.</param>
    /// <param name="node">This node's name, written into each event.</param>
    public MailboxEventDeriver(string mailbox, string producer, string? node)
    {
        _mailbox = mailbox;
        _producer = producer;
        _node = node;
    }

    /// <summary>The events of journal event number <paramref name="sequence"/>.</summary>
    public IReadOnlyList<DeliveryEvent> Derive(long sequence, MessageAppended appended)
    {
        if (appended.Envelope is not { } envelope || envelope.Recipients.Count == 0) return [];
        var recipients = envelope.Recipients;
        var events = new DeliveryEvent[recipients.Count * 2];
        var folder = appended.Folder == MailboxFolders.Inbox ? null : appended.Folder;
        for (var i = 0; i < recipients.Count; i++)
        {
            var recipient = recipients[i];
            var reception = new DeliveryEvent
            {
                Id = EventIds.Of(_producer, sequence, i),
                Type = DeliveryEventType.Reception,
                Time = appended.InternalDate,
                QueueId = appended.QueueId,
                MessageId = envelope.Tags.MessageId,
                Sender = envelope.Sender,
                Recipient = recipient,
                // Where an alias led (the normalised address otherwise says nothing new).
                Mailbox = string.Equals(recipient, _mailbox, StringComparison.OrdinalIgnoreCase) ? null : _mailbox,
                Tenant = envelope.Tags.Tenant,
                Campaign = envelope.Tags.Campaign,
                Size = appended.Size,
                Protocol = envelope.Protocol,
                ClientIp = envelope.ClientIp,
                Node = _node,
            };
            events[i] = reception;
            // Stored when the append was persisted: no queue time, no attempt, no remote reply.
            events[recipients.Count + i] = reception with
            {
                Id = EventIds.Of(_producer, sequence, recipients.Count + i),
                Type = DeliveryEventType.Delivery,
                Folder = folder,
                QueueTimeMs = 0,
                Protocol = null,
                ClientIp = null,
            };
        }
        return events;
    }
}
