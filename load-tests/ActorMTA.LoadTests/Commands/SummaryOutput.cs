using ActorMTA.LoadTests.Output;

namespace ActorMTA.LoadTests.Commands;

/// <summary>The end of every command: print the summary, write --json, say why the exit code is not 0.</summary>
internal static class SummaryOutput
{
    public static int Finish(Summary summary, string? jsonFile, double maxErrorRate)
    {
        SummaryPrinter.Print(summary, Progress.IsTerminal);
        if (jsonFile is not null)
        {
            try
            {
                File.WriteAllText(jsonFile, summary.ToJson() + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"actormta-load: cannot write {jsonFile}: {e.Message}");
                return ExitCodes.Usage;
            }
        }
        var code = ExitCodes.For(summary, maxErrorRate);
        if (code == ExitCodes.TooManyErrors)
            Console.Error.WriteLine($"actormta-load: {summary.ErrorCount} errors for {summary.MessagesSent} sent: above --max-error-rate {maxErrorRate}");
        return code;
    }
}
