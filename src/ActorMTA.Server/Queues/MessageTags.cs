namespace ActorMTA.Server.Queues;

/// <summary>
/// What names a queued message to its sender, for delivery events: its Message-ID: and the tenant and campaign the
/// HTTP API was given. Kept with the queue entry (manifest QQ5/QS6 on) so events derived from the journal carry them.
/// </summary>
public sealed record MessageTags(string? MessageId, string? Tenant, string? Campaign)
{
    public static readonly MessageTags None = new(null, null, null);

    public bool IsNone => MessageId is null && Tenant is null && Campaign is null;
}
