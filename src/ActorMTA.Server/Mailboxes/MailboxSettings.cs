using Akka.Configuration;

namespace ActorMTA.Server.Mailboxes;

/// <summary>The actormta.mailbox section.</summary>
public sealed record MailboxSettings(int SnapshotEvery, int MaxBatch, TimeSpan PassivateAfter)
{
    public MailboxQuota Quota { get; init; } = MailboxQuota.Unlimited;

    /// <summary>
    /// Bytes of messages in one piece of a large SELECT reply (<see cref="FolderSelectedParts"/>): the default, or half the
    /// remoting frame when that is smaller. Not more with a larger frame: one multi-megabyte frame would hold up every
    /// other reply on the connection between the two nodes while it is sent.
    /// </summary>
    public int SelectPartBytes { get; init; } = FolderSelectedParts.DefaultPartBytes;

    /// <param name="root">Configuration holding the actormta section.</param>
    public static MailboxSettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.mailbox") ?? throw new ConfigurationException("missing actormta.mailbox section");
        return new MailboxSettings(c.GetInt("snapshot-every"), c.GetInt("max-batch"), c.GetTimeSpan("passivate-after"))
        {
            Quota = MailboxQuota.FromConfig(root),
            SelectPartBytes = root.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) is { } frame and > 0
                ? (int)Math.Min(frame / 2, FolderSelectedParts.DefaultPartBytes)
                : FolderSelectedParts.DefaultPartBytes,
        };
    }
}
