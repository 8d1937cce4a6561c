namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>adkim= / aspf= (RFC 7489 section 3.1): relaxed compares organizational domains, strict the exact names.</summary>
public enum DmarcAlignment
{
    Relaxed,
    Strict,
}
