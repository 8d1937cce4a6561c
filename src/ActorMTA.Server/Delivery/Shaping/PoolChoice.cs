namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>The pool a message goes out through and why, for the delivery log and `ctl`.</summary>
public sealed record PoolChoice(EgressPool Pool, string Reason)
{
    /// <summary>The name a queued message keeps: null for the default pool, which is what an absent one means.</summary>
    public string? QueuedName => Pool.Name == EgressPool.DefaultName ? null : Pool.Name;
}
