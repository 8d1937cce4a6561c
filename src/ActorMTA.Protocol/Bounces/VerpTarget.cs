namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// What a VERP return path names: the queue id of the message, its recipient and, when the message had one and the
/// return path had room for it, its tenant. A recipient too long to spell out inside the 64-octet local part is
/// carried as <see cref="RecipientHash"/> instead (<see cref="Recipient"/> is then null); <see cref="Names"/> tells
/// which of the message's recipients it is. <see cref="Tenant"/> is null for a message without a tenant, for one whose
/// tenant did not fit, and for return paths written before tenants were carried; it is as written, unless the
/// bouncing system changed its case.
/// </summary>
public sealed record VerpTarget(string QueueId, string? Recipient, string? RecipientHash, string? Tenant = null)
{
    public bool Names(string recipient) =>
        Recipient is not null
            ? string.Equals(Recipient, recipient, StringComparison.Ordinal)
            : string.Equals(RecipientHash, VerpAddress.HashOf(recipient), StringComparison.OrdinalIgnoreCase);
}
