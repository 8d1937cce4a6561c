using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Output;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// Runs the SMTP sessions of a load run. Normal mode: every session connects, sends messages as
/// long as there is work (reconnecting after --messages-per-session or a failure), then QUITs.
/// `--hold`: all sessions are opened first and stay open; then each sends its share while the
/// others idle and a probe connects every second; when every session has sent, all QUIT.
/// A failing session records the error, pauses and reconnects; it never stops the others.
/// </summary>
internal sealed class SmtpLoadRun(SmtpRunContext context, Progress progress)
{
    private SmtpOptions Options => context.Options;
    private WorkSource Work => context.Work;
    private CancellationToken Stop => context.Work.Stop;

    /// <summary>Seconds of the load phase (with --hold: from all open to all sent).</summary>
    public double DurationSeconds { get; private set; }

    /// <summary>--hold: seconds until every session was open (or gave up).</summary>
    public double? OpenPhaseSeconds { get; private set; }

    public Task RunAsync() => Options.Hold ? RunHeldAsync() : RunFreeAsync();

    private async Task RunFreeAsync()
    {
        Work.Start();
        var start = Clock.Now;
        var sessions = Enumerable.Range(0, Options.Common.Sessions)
            .Select(i => Task.Run(() => SessionLoopAsync(new SmtpLoadSession(context, i))))
            .ToList();
        await Task.WhenAll(sessions);
        DurationSeconds = Clock.Seconds(start, Clock.Now);
    }

    private async Task SessionLoopAsync(SmtpLoadSession session)
    {
        var failures = 0;
        var perConnection = Options.MessagesPerSession;
        while (!Work.Finished)
        {
            try
            {
                await session.OpenAsync(Stop);
                failures = 0;
                while (perConnection == 0 || session.MessagesOnConnection < perConnection)
                {
                    if (!Work.TryClaim(out var sequence, out var intended)) break;
                    await Work.WaitForScheduleAsync(intended);
                    await session.SendMessageAsync(sequence, intended);
                }
                await session.QuitAsync();
            }
            catch (LoadException e)
            {
                if (!e.Recorded) context.Errors.Add(e.Code);
                await session.CloseAsync();
                if (++failures >= Options.Common.GiveUpAfter)
                {
                    context.Counters.SessionAbandoned();
                    return;
                }
                if (!await Backoff.PauseAsync(failures, Stop)) return;
            }
            catch (OperationCanceledException) when (Stop.IsCancellationRequested)
            {
                await QuitQuietlyAsync(session);
                return;
            }
        }
    }

    private async Task RunHeldAsync()
    {
        var n = Options.Common.Sessions;
        var barrier = new HoldBarrier(n);
        var openStart = Clock.Now;
        var sessions = Enumerable.Range(0, n)
            .Select(i => Task.Run(() => HeldSessionAsync(new SmtpLoadSession(context, i), Quota(i), barrier)))
            .ToList();

        await WhenOrStopped(barrier.AllSettled);
        OpenPhaseSeconds = Clock.Seconds(openStart, Clock.Now);
        progress.Notice($"all sessions open: {barrier.Opened} of {n} after {OpenPhaseSeconds:F1} s" +
            (barrier.Opened < n ? $" ({n - barrier.Opened} gave up)" : "") + "; sending");

        Work.Start();
        var sendStart = Clock.Now;
        using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(Stop);
        var probe = Task.Run(() => new HoldProbe(context).RunAsync(probeStop.Token));
        barrier.StartSending();
        await WhenOrStopped(barrier.AllSent);
        DurationSeconds = Clock.Seconds(sendStart, Clock.Now);
        progress.Notice($"every session has sent after {DurationSeconds:F1} s; quitting {context.Counters.SessionsOpen} sessions");

        await probeStop.CancelAsync();
        await probe;
        barrier.StartQuitting();
        await Task.WhenAll(sessions);
    }

    /// <summary>Session i's share of --messages (unlimited with --duration).</summary>
    private long Quota(int i)
    {
        if (Options.Common.Total is not { } total) return long.MaxValue;
        var n = Options.Common.Sessions;
        return total / n + (i < total % n ? 1 : 0);
    }

    private async Task HeldSessionAsync(SmtpLoadSession session, long quota, HoldBarrier barrier)
    {
        var failures = 0;
        var settled = false;
        try
        {
            while (!session.IsOpen && !Stop.IsCancellationRequested)
            {
                try
                {
                    await session.OpenAsync(Stop);
                }
                catch (LoadException e)
                {
                    if (!e.Recorded) context.Errors.Add(e.Code);
                    await session.CloseAsync();
                    if (++failures >= Options.Common.GiveUpAfter || !await Backoff.PauseAsync(failures, Stop)) break;
                }
            }
            barrier.Settled(session.IsOpen);
            settled = true;
            if (!session.IsOpen)
            {
                if (!Stop.IsCancellationRequested) context.Counters.SessionAbandoned();
                return;
            }

            await WhenOrStopped(barrier.SendGo);
            failures = 0;
            for (long sent = 0; sent < quota; sent++)
            {
                if (!Work.TryClaim(out var sequence, out var intended)) break;
                try
                {
                    if (!session.IsOpen) await session.OpenAsync(Stop);
                    await Work.WaitForScheduleAsync(intended);
                    await session.SendMessageAsync(sequence, intended);
                    failures = 0;
                }
                catch (LoadException e)
                {
                    if (!e.Recorded) context.Errors.Add(e.Code);
                    await session.CloseAsync();
                    if (++failures >= Options.Common.GiveUpAfter)
                    {
                        context.Counters.SessionAbandoned();
                        break;
                    }
                    if (!await Backoff.PauseAsync(failures, Stop)) break;
                }
            }
        }
        catch (OperationCanceledException) when (Stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (!settled) barrier.Settled(session.IsOpen);
            barrier.Sent();
        }

        await WhenOrStopped(barrier.QuitGo);
        await QuitQuietlyAsync(session);
    }

    /// <summary>QUIT at the end of a phase; a failure is counted but changes nothing else.</summary>
    private async Task QuitQuietlyAsync(SmtpLoadSession session)
    {
        try
        {
            await session.QuitAsync();
        }
        catch (LoadException e)
        {
            if (!e.Recorded) context.Errors.Add(e.Code);
            await session.CloseAsync();
        }
    }

    private async Task WhenOrStopped(Task task)
    {
        try
        {
            await task.WaitAsync(Stop);
        }
        catch (OperationCanceledException) when (Stop.IsCancellationRequested) { }
    }
}
