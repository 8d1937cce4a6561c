namespace ActorMTA.Server.Delivery;

/// <summary>
/// The limits of one destination domain (actormta.delivery.throttles), for the domain as a whole.
/// A domain split into <see cref="Partitions"/> queue entities gives each one 1/N of them (<see cref="PerPartition"/>).
/// </summary>
/// <param name="MaxMessagesPerMinute">0 = unlimited.</param>
public sealed record DomainThrottle(int MaxConnections, int MaxMessagesPerConnection, int MaxMessagesPerMinute, int Partitions)
{
    public static readonly DomainThrottle Default = new(10, 100, 0, 1);

    /// <summary>
    /// What one partition may use: connections and messages per minute divided by the partition count
    /// (at least 1 connection, and at least 1 message a minute when there is a limit).
    /// </summary>
    public DomainThrottle PerPartition()
    {
        if (Partitions <= 1) return this;
        return this with
        {
            MaxConnections = Math.Max(1, MaxConnections / Partitions),
            MaxMessagesPerMinute = MaxMessagesPerMinute == 0 ? 0 : Math.Max(1, MaxMessagesPerMinute / Partitions),
            Partitions = 1,
        };
    }
}
