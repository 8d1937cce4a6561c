namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>The pool a message goes out through and why, for the delivery log and `ctl`.</summary>
public sealed record PoolChoice(EgressPool Pool, string Reason);
