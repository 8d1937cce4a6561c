namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// How fetching one DKIM key ended: a usable <see cref="Record"/> (possibly revoked), or a verdict to report
/// instead: <see cref="DkimResult.TempError"/> when DNS failed transiently, <see cref="DkimResult.PermError"/> when
/// there is no record or none parses.
/// </summary>
public sealed record DkimKeyLookup(DkimResult Failure, DkimKeyRecord? Record, string? Reason)
{
    public static DkimKeyLookup Found(DkimKeyRecord record) => new(DkimResult.None, record, null);

    public bool Ok => Record is not null;
}
