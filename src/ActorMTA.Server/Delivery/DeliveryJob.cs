using System.Net;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Akka.Actor;

using ActorMTA.Server.Queues;

namespace ActorMTA.Server.Delivery;

/// <summary>One address to connect to: the MX (or route) host name, one of its addresses, and the port.</summary>
public sealed record DeliveryTarget(string HostName, IPAddress Address, int Port)
{
    public override string ToString() => $"{HostName}[{Address}]:{Port}";
}

/// <summary>One queued message as a DeliveryAgent carries it: envelope, pending recipients, content reference.</summary>
public sealed record OutboundItem(string QueueId, string ContentRef, string ReversePath, IReadOnlyList<string> Recipients, long Size, ContentTraits Traits)
{
    /// <summary>MAIL FROM RET=/ENVID= (RFC 3461), passed on to a next hop that offers DSN.</summary>
    public DsnMessageParameters Dsn { get; init; } = DsnMessageParameters.None;

    /// <summary>NOTIFY=/ORCPT= by recipient address; a recipient missing here gave none.</summary>
    public IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsn { get; init; } = QueuedDelivery.NoRecipientDsn;

    /// <summary>The message's tenant (the HTTP API's tag), null for none: written into its VERP return paths, so an
    /// asynchronous report about it names the tenant whose suppression list it belongs on.</summary>
    public string? Tenant { get; init; }
}

/// <summary>
/// What one DeliveryAgent (one outbound connection) is to do: targets in the order to try, messages in the order
/// to send. <see cref="MaxMessages"/> (max-messages-per-connection): when the agent has sent its messages and the
/// connection has room left, it asks its queue for more (<see cref="MoreWork"/>) instead of closing.
/// </summary>
public sealed record DeliveryJob(string QueueName, IReadOnlyList<DeliveryTarget> Targets, IReadOnlyList<OutboundItem> Messages)
{
    public int MaxMessages { get; init; } = Messages.Count;

    /// <summary>The egress source the connection binds to and names in EHLO; null: the operating system's address
    /// and the delivery EHLO name.</summary>
    public Shaping.EgressSource? Source { get; init; }

    /// <summary>STARTTLS for this connection (the site's shaping entry); null: delivery.starttls.</summary>
    public StartTlsMode? StartTls { get; init; }
}

/// <summary>An agent with an open, idle session asks its queue for up to <paramref name="Capacity"/> more due messages.</summary>
public sealed record MoreWork(int Capacity) : INoSerializationVerificationNeeded;

/// <summary>The queue's answer to <see cref="MoreWork"/>; empty when nothing is due (the agent then says QUIT).</summary>
public sealed record MoreMessages(IReadOnlyList<OutboundItem> Messages) : INoSerializationVerificationNeeded;

/// <summary>Reports of a DeliveryAgent to its DomainQueue (the parent), which persists their outcome.</summary>
/// <remarks>
/// An agent is a child of its queue, so these and MoreWork/MoreMessages never leave the node: they need no cluster
/// serializer, and serialize-messages does not check them.
/// </remarks>
public interface IDeliveryReport : INoSerializationVerificationNeeded;

/// <summary>One message went through an SMTP transaction (or was refused locally before it): a result per recipient.</summary>
public sealed record MessageAttempted(string QueueId, string MxHost, IReadOnlyList<RecipientResult> Results) : IDeliveryReport
{
    /// <summary>The server advertised DSN, so it took over the NOTIFY=SUCCESS reports of the recipients it accepted;
    /// false: we report them as "relayed" (RFC 3461 section 5.2.2).</summary>
    public bool NextHopHasDsn { get; init; }

    /// <summary>How long the transaction took, from MAIL FROM (or the refusal) to the final reply.</summary>
    public long DurationMs { get; init; }

    public OutboundConnectionInfo? Connection { get; init; }
}

/// <summary>
/// The agent is done. <paramref name="Unattempted"/> are the messages it could not try (no host took a session,
/// or the session broke); they all get <paramref name="Reason"/>. <paramref name="BackoffDomain"/>: the
/// destination refused or broke the session (421, nothing reachable, repeated timeouts), so the whole domain waits.
/// </summary>
public sealed record AgentFinished(IReadOnlyList<string> Unattempted, SmtpReply Reason, string? MxHost, bool BackoffDomain) : IDeliveryReport
{
    /// <summary>How long the agent tried (connecting, waiting for greetings that never came): the latency of the
    /// attempt its unattempted messages are deferred with.</summary>
    public long ElapsedMs { get; init; }

    /// <summary>The last session tried, when one was opened.</summary>
    public OutboundConnectionInfo? Connection { get; init; }
}
