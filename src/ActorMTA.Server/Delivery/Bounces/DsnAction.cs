namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>The Action field of a per-recipient group (RFC 3464 section 2.3.3).</summary>
public enum DsnAction : byte
{
    /// <summary>Could not be delivered and will not be tried again.</summary>
    Failed = 0,

    /// <summary>Not delivered yet; still being retried.</summary>
    Delayed = 1,

    /// <summary>Delivered into a local mailbox (NOTIFY=SUCCESS).</summary>
    Delivered = 2,

    /// <summary>Handed to a server that does not offer DSN, so no further report will come (RFC 3461 section 5.2.2).</summary>
    Relayed = 3,
}
