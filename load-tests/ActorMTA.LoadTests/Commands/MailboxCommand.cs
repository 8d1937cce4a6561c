using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Imap;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Output;
using ActorMTA.LoadTests.Pop3;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Commands;

/// <summary>`actormta-load imap` and `actormta-load pop3`: iterations with progress → summary, JSON, exit code.</summary>
internal static class MailboxCommand
{
    public static async Task<int> RunAsync(ArgReader args, bool imap)
    {
        if (args.HelpRequested)
        {
            Console.Out.Write(imap
                ? ArgReader.Help(MailboxOptions.ImapUsage, MailboxOptions.ImapDescription, MailboxOptions.ImapSpecs, MailboxOptions.Footer)
                : ArgReader.Help(MailboxOptions.Pop3Usage, MailboxOptions.Pop3Description, MailboxOptions.Pop3Specs, MailboxOptions.Footer));
            return ExitCodes.Ok;
        }
        var options = MailboxOptions.Parse(args, imap);
        using var stop = new StopSignal();
        var counters = new RunCounters();
        var errors = new ErrorCounter();
        var latency = new LatencyRecorder();
        var work = new WorkSource(options.Common.Total, options.Common.Duration, options.Common.Rate, stop.Token);
        var command = imap ? "imap" : "pop3";
        var progress = new Progress("iterations", options.Common.Total, counters, errors, Progress.IsTerminal);
        progress.Notice($"{command} {options.Common.Target}: {options.Common.Sessions} sessions, " +
            (options.Common.Total is { } t ? $"{t} iterations" : $"for {options.Common.Duration!.Value.TotalSeconds:0.#} s") +
            $", {options.Users.Count} user(s)");

        var run = new IterationRun(options.Common.Sessions, options.Common.GiveUpAfter, work, counters, errors, latency, i => imap
            ? new ImapLoadSession(options, i, counters, latency)
            : new Pop3LoadSession(options, i, counters, latency));
        using (var progressStop = new CancellationTokenSource())
        {
            var drawing = progress.RunAsync(progressStop.Token);
            try
            {
                await run.RunAsync();
            }
            finally
            {
                await progressStop.CancelAsync();
                await drawing;
            }
        }

        var summary = Summary.Build(command, options.Common, counters, errors, latency, run.DurationSeconds, null, null);
        return SummaryOutput.Finish(summary, options.Common.JsonFile, options.Common.MaxErrorRate);
    }
}
