using System.Diagnostics;
using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Runs;

/// <summary>
/// Hands out work items (messages or iterations) to sessions: sequence numbers 1, 2, 3 … up to the
/// total, or until the deadline with --duration, or until Ctrl-C. With --rate (open loop) item n is
/// scheduled at start + (n-1)/rate: its <c>intended</c> timestamp is when it should start, and the
/// session measures latency from there, so a slow server cannot hide queueing delay (no coordinated
/// omission). Closed loop: intended = 0 and the session starts at once.
/// </summary>
internal sealed class WorkSource(long? total, TimeSpan? duration, double? rate, CancellationToken stop)
{
    private long _claimed;
    private long _start;
    private long _deadline = long.MaxValue;
    private volatile bool _exhausted;

    public long? Total { get; } = total;
    public CancellationToken Stop { get; } = stop;

    /// <summary>True once nothing more will be handed out.</summary>
    public bool Finished =>
        _exhausted
        || Stop.IsCancellationRequested
        || (Total is { } t && Interlocked.Read(ref _claimed) >= t)
        || Clock.Now >= _deadline;

    public void Start()
    {
        _start = Clock.Now;
        if (duration is { } d) _deadline = Clock.Add(_start, d);
    }

    public bool TryClaim(out long sequence, out long intended)
    {
        intended = 0;
        sequence = 0;
        if (Finished) return false;
        sequence = Interlocked.Increment(ref _claimed);
        if (Total is { } total && sequence > total) return Exhausted();
        if (rate is { } r)
        {
            intended = _start + (long)((sequence - 1) / r * Stopwatch.Frequency);
            return intended < _deadline || Exhausted();
        }
        return Clock.Now < _deadline || Exhausted();
    }

    /// <summary>Once one claim fails, all later ones do (no reconnect churn at the end of an open-loop run).</summary>
    private bool Exhausted()
    {
        _exhausted = true;
        return false;
    }

    /// <summary>Open loop: waits until the item's scheduled time (returns at once when it is past or closed loop).</summary>
    public async ValueTask WaitForScheduleAsync(long intended)
    {
        if (intended == 0) return;
        var wait = Clock.Until(intended);
        if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, Stop);
    }
}
