namespace ActorMTA.Server.Checks.Arc;

/// <summary>The chain validation status of RFC 8617 section 4.4 (the cv= values an ARC-Seal can carry).</summary>
public enum ArcResult
{
    None,
    Pass,
    Fail,
}
