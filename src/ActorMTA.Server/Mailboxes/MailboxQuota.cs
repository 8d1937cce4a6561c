using ActorMTA.Server.Hosting;
using Akka.Configuration;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// actormta.mailbox.quota: the storage each mailbox may hold (RFC 9208 STORAGE), by default and per address.
/// Enforced where mail is offered (SMTP RCPT, IMAP APPEND and COPY); mail already acknowledged is always delivered.
/// </summary>
public sealed record MailboxQuota(long? DefaultLimit, IReadOnlyDictionary<string, long?> Users)
{
    public static readonly MailboxQuota Unlimited = new(null, new Dictionary<string, long?>());

    /// <summary>The limit in octets for a mailbox, or null for none.</summary>
    public long? LimitFor(string address) => Users.TryGetValue(address.ToLowerInvariant(), out var limit) ? limit : DefaultLimit;

    /// <summary>True when no mailbox has a limit (RCPT need not ask the mailbox).</summary>
    public bool IsUnlimited => DefaultLimit is null && Users.Values.All(v => v is null);

    /// <param name="root">Configuration holding the actormta section.</param>
    public static MailboxQuota FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.mailbox.quota");
        if (c is null) return Unlimited;
        var users = new Dictionary<string, long?>(StringComparer.Ordinal);
        var table = c.GetConfig("users");
        if (table is not null)
            foreach (var entry in table.AsEnumerable())
                users[entry.Key.Trim('"').ToLowerInvariant()] = Parse(entry.Value.GetString(), $"quota.users.{entry.Key}");
        return new MailboxQuota(Parse(c.GetString("storage", "unlimited"), "quota.storage"), users);
    }

    private static long? Parse(string text, string key) =>
        string.Equals(text.Trim(), "unlimited", StringComparison.OrdinalIgnoreCase) ? null : StorageSpaceSettings.ParseBytes(text, key) is var bytes and > 0 ? bytes : null;
}
