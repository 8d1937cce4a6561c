using System.Net;
using System.Net.Sockets;
using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Output;
using ActorMTA.LoadTests.Runs;
using ActorMTA.LoadTests.Smtp;
using ActorMTA.LoadTests.Verification;

namespace ActorMTA.LoadTests.Commands;

/// <summary>`actormta-load smtp`: (sink) → load run with progress → verification → summary, JSON, exit code.</summary>
internal static class SmtpCommand
{
    public static async Task<int> RunAsync(ArgReader args)
    {
        if (args.HelpRequested)
        {
            Console.Out.Write(ArgReader.Help(SmtpOptions.Usage, SmtpOptions.Description, SmtpOptions.Specs, SmtpOptions.Footer));
            return ExitCodes.Ok;
        }
        var options = SmtpOptions.Parse(args);
        using var stop = new StopSignal();

        Sink? sink = null;
        if (options.Verify.Method == VerifyMethod.Sink)
        {
            sink = new Sink(new IPEndPoint(IPAddress.Loopback, options.Verify.SinkPort));
            try
            {
                sink.Start();
            }
            catch (SocketException e)
            {
                Console.Error.WriteLine($"actormta-load: cannot listen on {sink.Endpoint} for the sink: {e.Message}");
                return ExitCodes.Usage;
            }
        }
        await using var _ = sink;

        var keepIds = options.Verify.Method != VerifyMethod.None || options.IdsOut is not null;
        var acknowledged = keepIds ? new AcknowledgedLog(options.Common.RunId) : null;
        var work = new WorkSource(options.Common.Total, options.Common.Duration, options.Common.Rate, stop.Token);
        var context = new SmtpRunContext(options, work, acknowledged);
        var interactive = Progress.IsTerminal;
        var progress = new Progress("messages", options.Common.Total, context.Counters, context.Errors, interactive);
        progress.Notice($"smtp {options.Common.Target}: run {options.Common.RunId}, {options.Common.Sessions} sessions, " +
            (options.Common.Total is { } t ? $"{t} messages" : $"for {options.Common.Duration!.Value.TotalSeconds:0.#} s") +
            $", size {options.Sizes}" + (options.Common.Rate is { } r ? $", {r}/s open loop" : ", closed loop") +
            (options.Hold ? ", hold" : "") + (sink is not null ? $", sink on {sink.Endpoint}" : ""));

        var run = new SmtpLoadRun(context, progress);
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

        if (acknowledged is not null && options.IdsOut is not null)
        {
            try
            {
                acknowledged.WriteTo(options.IdsOut);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"actormta-load: cannot write {options.IdsOut}: {e.Message}");
            }
        }

        VerificationSummary? verification = null;
        if (acknowledged is not null && options.Verify.Method != VerifyMethod.None)
        {
            IArrivalSource source = options.Verify.Method switch
            {
                VerifyMethod.Sink => sink!,
                VerifyMethod.Pop3 => new Pop3MailboxSource(options.Verify, options.Common.RunId, context.Errors),
                _ => new ImapMailboxSource(options.Verify, options.Common.RunId, context.Errors),
            };
            Console.Out.WriteLine($"verifying {acknowledged.Count} acknowledged messages ({options.Verify.Method.ToString().ToLowerInvariant()}, up to {options.Verify.Timeout.TotalSeconds:0} s)");
            try
            {
                verification = await new Verifier(options.Verify, source, line => Console.Out.WriteLine(line)).RunAsync(acknowledged, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("actormta-load: verification interrupted");
            }
        }

        var summary = Summary.Build("smtp", options.Common, context.Counters, context.Errors, context.Latency,
            run.DurationSeconds, run.OpenPhaseSeconds, verification);
        return SummaryOutput.Finish(summary, options.Common.JsonFile, options.Common.MaxErrorRate);
    }
}
