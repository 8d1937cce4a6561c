using Akka.Configuration;

namespace ActorMTA.Server.Queues;

/// <summary>The actormta.queue section.</summary>
/// <param name="IdlePassivateAfter">
/// An empty queue stops after this long without traffic (and is then forgotten by remember-entities);
/// a queue holding mail never passivates. Read from actormta.queue.passivate-after, falling back to
/// actormta.mailbox.passivate-after.
/// </param>
public sealed record DomainQueueSettings(int SnapshotEvery, int MaxBatch, TimeSpan IdlePassivateAfter)
{
    public static DomainQueueSettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.queue") ?? throw new ConfigurationException("missing actormta.queue section");
        var passivate = c.HasPath("passivate-after") ? c.GetTimeSpan("passivate-after") : root.GetTimeSpan("actormta.mailbox.passivate-after");
        return new DomainQueueSettings(c.GetInt("snapshot-every"), c.GetInt("max-batch"), passivate);
    }
}
