namespace ActorMTA.Storage.Suppression;

/// <summary>
/// One suppressed address: mail to <see cref="Address"/> is refused at injection, for every tenant when
/// <see cref="Tenant"/> is <see cref="SuppressionAddress.Global"/> (""), else for that tenant's mail only.
/// Times are UTC; an entry whose <see cref="ExpiresUtc"/> has passed counts as absent (and is purged).
/// </summary>
public sealed record SuppressionEntry(
    string Address,
    string Tenant,
    string Reason,
    SuppressionSource Source,
    DateTime CreatedUtc,
    DateTime? ExpiresUtc = null)
{
    /// <summary>The same entry with address and tenant in their canonical forms (the store and the lookup use these).</summary>
    public SuppressionEntry Normalized() => this with
    {
        Address = SuppressionAddress.Normalize(Address),
        Tenant = SuppressionAddress.NormalizeTenant(Tenant),
        Reason = Reason ?? "",
        CreatedUtc = DateTime.SpecifyKind(CreatedUtc, DateTimeKind.Utc),
        ExpiresUtc = ExpiresUtc is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
    };

    public bool IsExpiredAt(DateTime nowUtc) => ExpiresUtc is { } expires && expires <= nowUtc;

    /// <summary>
    /// An automatic entry for the delivery path: a hard bounce (InvalidRecipient, BadDomain) or a complaint, now,
    /// expiring after <paramref name="expiry"/> (actormta.suppression.automatic-expiry; null: never).
    /// </summary>
    public static SuppressionEntry Automatic(string address, string? tenant, SuppressionSource source, string reason, TimeSpan? expiry = null)
    {
        var now = DateTime.UtcNow;
        return new SuppressionEntry(address, tenant ?? SuppressionAddress.Global, reason, source, now, expiry is { } e ? now + e : null).Normalized();
    }
}
