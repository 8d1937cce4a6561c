namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// The DMARC result for Authentication-Results (RFC 7489 section 11.2). Only <see cref="Fail"/> can lead to a policy
/// being applied; <see cref="TempError"/> and <see cref="PermError"/> never do.
/// </summary>
public enum DmarcResult
{
    None,
    Pass,
    Fail,
    TempError,
    PermError,
}
