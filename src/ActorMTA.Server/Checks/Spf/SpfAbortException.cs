namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// A temperror or permerror found deep in an evaluation. Both end the whole check whatever include or redirect they
/// arise in (RFC 7208 section 5.2 table, section 6.1), so they unwind instead of being passed up by every caller.
/// </summary>
internal sealed class SpfAbortException(SpfResult result, string problem) : Exception(problem)
{
    public SpfResult Result { get; } = result;

    public static SpfAbortException Perm(string problem) => new(SpfResult.PermError, problem);

    public static SpfAbortException Temp(string problem) => new(SpfResult.TempError, problem);
}
