using ActorMTA.LoadTests.Output;

namespace ActorMTA.LoadTests.Commands;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Verification found acknowledged mail missing.</summary>
    public const int Lost = 1;
    /// <summary>Bad command line, or the run could not start (sink port taken, unreadable ids file).</summary>
    public const int Usage = 2;
    /// <summary>Errors / messages sent (or iterations started) above --max-error-rate.</summary>
    public const int TooManyErrors = 3;

    public static int For(Summary summary, double maxErrorRate)
    {
        if (summary.Verification is { Lost: > 0 }) return Lost;
        var rate = summary.ErrorCount / (double)Math.Max(1, summary.MessagesSent);
        return summary.ErrorCount > 0 && rate > maxErrorRate ? TooManyErrors : Ok;
    }
}
