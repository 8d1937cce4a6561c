namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// What a VERP return path names: the queue id of the message and its recipient. A recipient too long to spell
/// out inside the 64-octet local part is carried as <see cref="RecipientHash"/> instead (<see cref="Recipient"/> is
/// then null); <see cref="Names"/> tells which of the message's recipients it is.
/// </summary>
public sealed record VerpTarget(string QueueId, string? Recipient, string? RecipientHash)
{
    public bool Names(string recipient) =>
        Recipient is not null
            ? string.Equals(Recipient, recipient, StringComparison.Ordinal)
            : string.Equals(RecipientHash, VerpAddress.HashOf(recipient), StringComparison.OrdinalIgnoreCase);
}
