using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Runs;

/// <summary>One mailbox-reading session (IMAP or POP3): one iteration is one connection from connect to logout.</summary>
internal interface IIterationSession
{
    /// <summary>Runs iteration <paramref name="sequence"/>; throws <see cref="LoadException"/> on failure.</summary>
    Task RunIterationAsync(long sequence);

    /// <summary>Drops the connection after a failure.</summary>
    Task AbortAsync();
}

/// <summary>
/// Drives the imap and pop3 commands: N sessions each run iterations while there is work. The
/// `iteration` latency covers one whole loop (in an open loop from its scheduled start); a failed
/// iteration is counted by its error key, and the session pauses and goes on (giving up after
/// <paramref name="giveUpAfter"/> failures in a row).
/// </summary>
internal sealed class IterationRun(int sessions, int giveUpAfter, WorkSource work, RunCounters counters, ErrorCounter errors, LatencyRecorder latency,
    Func<int, IIterationSession> newSession)
{
    public double DurationSeconds { get; private set; }

    public async Task RunAsync()
    {
        work.Start();
        var start = Clock.Now;
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(i => Task.Run(() => LoopAsync(newSession(i)))));
        DurationSeconds = Clock.Seconds(start, Clock.Now);
    }

    private async Task LoopAsync(IIterationSession session)
    {
        var iteration = latency["iteration"];
        var failures = 0;
        while (work.TryClaim(out var sequence, out var intended))
        {
            try
            {
                await work.WaitForScheduleAsync(intended);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var start = intended != 0 ? intended : Clock.Now;
            counters.MessageSent();
            try
            {
                await session.RunIterationAsync(sequence);
                counters.MessageAcknowledged();
                iteration.RecordSince(start);
                failures = 0;
            }
            catch (LoadException e)
            {
                if (!e.Recorded) errors.Add(e.Code);
                await session.AbortAsync();
                if (++failures >= giveUpAfter)
                {
                    counters.SessionAbandoned();
                    return;
                }
                if (!await Backoff.PauseAsync(failures, work.Stop)) return;
            }
        }
    }
}
