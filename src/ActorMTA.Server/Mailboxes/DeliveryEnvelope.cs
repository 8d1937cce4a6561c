using ActorMTA.Server.Queues;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// What the delivery events of a message stored in a mailbox need beyond the mailbox entry itself: how it came in and
/// for which of the transaction's recipients. Carried by <see cref="DeliverToMailbox"/> and journaled with the
/// <see cref="MessageAppended"/> it causes (layout MA2), so the Reception and Delivery events are derived from the
/// journal, again after a crash, never from memory alone. Only set while the node writes events
/// (actormta.events.enabled) and only for deliveries: an IMAP APPEND, COPY or MOVE has none and makes no events.
/// </summary>
/// <param name="Protocol">smtp, http or dsn.</param>
/// <param name="ClientIp">The client's address (none for a DSN).</param>
/// <param name="Sender">The reverse-path; "" for the null sender.</param>
/// <param name="Recipients">The addresses given at RCPT (or in the HTTP request, or the DSN's recipient) that led to
/// this mailbox: one, unless several aliases of the transaction lead here.</param>
/// <param name="Tags">Message-ID, tenant and campaign, when the message has them.</param>
public sealed record DeliveryEnvelope(string Protocol, string? ClientIp, string Sender, IReadOnlyList<string> Recipients, MessageTags Tags);
