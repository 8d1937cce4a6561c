namespace ActorMTA.Server.Checks.Spf;

/// <summary>The result of one check_host() level inside an evaluation, before it becomes an <see cref="SpfOutcome"/>.</summary>
internal readonly record struct SpfVerdict(SpfResult Result, string? Mechanism, string? Explanation, string? Problem)
{
    public static SpfVerdict None(string problem) => new(SpfResult.None, null, null, problem);
}
