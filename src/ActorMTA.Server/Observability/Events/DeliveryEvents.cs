using ActorMTA.Protocol.Smtp;
using Akka.Actor;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// The node's delivery-event facilities, set once at start: the event log entities send their derived events to, the
/// node name written into each event, and the bounce classifier. Until <see cref="Start"/> (and with
/// actormta.events.enabled = off) <see cref="Log"/> is null and nobody derives events.
/// </summary>
public sealed class DeliveryEvents : IExtension
{
    private volatile IActorRef? _log;

    public static DeliveryEvents Get(ActorSystem system) => system.WithExtension<DeliveryEvents, DeliveryEventsProvider>();

    public IActorRef? Log => _log;

    /// <summary>Per producer, how far the node's event log holds its events durably, as the log last knew it (its index at
    /// start, then each write). Written by the log only; read by entities in recovery, to derive no event the log already
    /// holds (a mailbox's journal after its snapshot may hold thousands of deliveries).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> Durable { get; } = new(StringComparer.Ordinal);

    /// <summary>The journal sequence number up to which <paramref name="producer"/>'s events are durable in this node's log.</summary>
    public long DurableUpTo(string producer) => Durable.GetValueOrDefault(producer);

    public string? Node { get; private set; }

    /// <summary>This node's webhook shippers (actormta.webhooks), for ctl webhooks.</summary>
    public IReadOnlyList<IActorRef> Webhooks { get; set; } = [];

    /// <summary>The bounce category of a reply, or null when not classified.</summary>
    public Func<SmtpReply, string?>? Classify { get; private set; }

    public void Start(IActorRef log, string node, Func<SmtpReply, string?>? classify)
    {
        Node = node;
        Classify = classify;
        _log = log;
    }

    /// <summary>Writes an event no journal holds (a rejection): once, without confirmation.</summary>
    public void Write(DeliveryEvent e)
    {
        if (_log is { } log) log.Tell(new AppendEvents(null, [new OutboxEntry(0, [(e with { Node = e.Node ?? Node }).ToJsonLine()])]));
    }

    /// <summary>A Rejection event: a recipient or message refused at SMTP or HTTP, with the reply given.</summary>
    public void Rejected(string protocol, string? clientIp, string? sender, string? recipient, SmtpReply reply, string? messageId = null, string? tenant = null,
        string? campaign = null)
    {
        if (_log is null) return;
        Write(new DeliveryEvent
        {
            Id = "rejection/" + Guid.NewGuid().ToString("N"),
            Type = DeliveryEventType.Rejection,
            Time = DateTimeOffset.UtcNow,
            Protocol = protocol,
            ClientIp = clientIp,
            Sender = sender,
            Recipient = recipient,
            MessageId = messageId,
            Tenant = tenant,
            Campaign = campaign,
            ReplyCode = reply.Code,
            EnhancedCode = reply.EnhancedCode,
            ReplyText = string.Join(" ", reply.Lines),
            BounceCategory = Classify?.Invoke(reply),
        });
    }
}

public sealed class DeliveryEventsProvider : ExtensionIdProvider<DeliveryEvents>
{
    public override DeliveryEvents CreateExtension(ExtendedActorSystem system) => new();
}
