using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Output;
using ActorMTA.LoadTests.Runs;
using ActorMTA.LoadTests.Verification;

namespace ActorMTA.LoadTests.Commands;

/// <summary>`actormta-load verify --ids FILE`: verification of an earlier run's acknowledged ids on its own.</summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(ArgReader args)
    {
        if (args.HelpRequested)
        {
            Console.Out.Write(ArgReader.Help(VerifyCommandOptions.Usage, VerifyCommandOptions.Description, VerifyCommandOptions.Specs));
            return ExitCodes.Ok;
        }
        var options = VerifyCommandOptions.Parse(args);
        AcknowledgedLog acknowledged;
        try
        {
            acknowledged = AcknowledgedLog.ReadFrom(options.IdsFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"actormta-load: {e.Message}");
            return ExitCodes.Usage;
        }

        using var stop = new StopSignal();
        var errors = new ErrorCounter();
        IArrivalSource source = options.Verify.Method == VerifyMethod.Pop3
            ? new Pop3MailboxSource(options.Verify, acknowledged.RunId, errors)
            : new ImapMailboxSource(options.Verify, acknowledged.RunId, errors);
        Console.Out.WriteLine($"verifying {acknowledged.Count} acknowledged messages of run {acknowledged.RunId} " +
            $"({options.Verify.Method.ToString().ToLowerInvariant()} {options.Target}, up to {options.Verify.Timeout.TotalSeconds:0} s)");
        var start = Clock.Now;
        VerificationSummary verification;
        try
        {
            verification = await new Verifier(options.Verify, source, line => Console.Out.WriteLine(line)).RunAsync(acknowledged, stop.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("actormta-load: verification interrupted");
            return ExitCodes.Usage;
        }

        var summary = new Summary
        {
            Command = "verify",
            Target = options.Target,
            RunId = acknowledged.RunId,
            Sessions = 0,
            MessagesSent = acknowledged.Count,
            MessagesAcknowledged = acknowledged.Count,
            DurationSeconds = Math.Round(Clock.Seconds(start, Clock.Now), 3),
            MessagesPerSecond = 0,
            SessionsPerSecond = 0,
            ConnectionsOpened = 0,
            BytesSent = 0,
            BytesReceived = 0,
            PeakSessionsOpen = 0,
            SessionsAbandoned = 0,
            LatencyMs = new Dictionary<string, LatencyStats>(),
            Errors = errors.Snapshot().ToDictionary(kv => kv.Key, kv => kv.Value),
            Verification = verification,
        };
        // Verification is the point here: only loss decides the exit code.
        return SummaryOutput.Finish(summary, options.JsonFile, maxErrorRate: double.PositiveInfinity);
    }
}
