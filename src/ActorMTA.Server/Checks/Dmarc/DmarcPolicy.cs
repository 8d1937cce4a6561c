namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>The p= / sp= policies of RFC 7489 section 6.3, least to most stringent.</summary>
public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}
