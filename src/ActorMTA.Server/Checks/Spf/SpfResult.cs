namespace ActorMTA.Server.Checks.Spf;

/// <summary>The results of an SPF check (RFC 7208 section 2.6).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}
