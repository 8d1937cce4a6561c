namespace ActorMTA.Server.Routing;

/// <summary>
/// Where <see cref="RecipientRouter.DsnDestinationFor"/> sends a DSN: a local <see cref="Mailbox"/>, or a
/// DomainQueue (<see cref="QueueName"/>) with <see cref="Recipient"/> as its only recipient, or nowhere (<see cref="Reason"/>).
/// </summary>
public sealed record DsnDestination(string? Mailbox, string? QueueName, string? Recipient, string Reason)
{
    public bool IsNowhere => Mailbox is null && QueueName is null;

    public static DsnDestination ToMailbox(string mailbox) => new(mailbox, null, null, "mailbox " + mailbox);

    public static DsnDestination ToQueue(string queueName, string recipient) => new(null, queueName, recipient, "queue " + queueName);

    public static DsnDestination Nowhere(string reason) => new(null, null, null, reason);
}
