using System.Diagnostics;

namespace ActorMTA.LoadTests.Metrics;

/// <summary>Monotonic timestamps (Stopwatch ticks) and conversions; no allocation, no locks.</summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long Micros(long from, long to) => (to - from) * 1_000_000 / Stopwatch.Frequency;

    public static long MicrosSince(long from) => Micros(from, Stopwatch.GetTimestamp());

    public static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public static long Add(long timestamp, TimeSpan span) =>
        span == TimeSpan.MaxValue ? long.MaxValue : timestamp + (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>How long until a timestamp (zero when it has passed).</summary>
    public static TimeSpan Until(long timestamp)
    {
        var ticks = timestamp - Stopwatch.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
    }
}
