namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// The result of one DKIM signature, as Authentication-Results names them (RFC 8601 section 2.7.1).
/// <see cref="None"/> is only for a message without signatures; a checker reports it as an empty list.
/// </summary>
public enum DkimResult
{
    None,
    Pass,
    Fail,
    Neutral,
    TempError,
    PermError,
}
