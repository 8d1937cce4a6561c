using System.Collections.Concurrent;
using ActorMTA.LoadTests.Output;
using HdrHistogram;

namespace ActorMTA.LoadTests.Metrics;

/// <summary>
/// One HdrHistogram per command (connect, greeting, ehlo, mail, rcpt, data, data-end, quit, login,
/// select, fetch, …), recorded in microseconds from any number of sessions at once. Sessions look
/// their <see cref="LatencyMetric"/> up once and keep it, so the hot path is one lock-free
/// <see cref="LongConcurrentHistogram.RecordValue"/>.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly ConcurrentDictionary<string, LatencyMetric> _metrics = new(StringComparer.Ordinal);

    public LatencyMetric this[string command] => _metrics.GetOrAdd(command, static c => new LatencyMetric(c));

    public IReadOnlyCollection<LatencyMetric> All => _metrics.Values.ToList();
}

/// <summary>Latencies of one command; values above one hour are clamped to one hour.</summary>
internal sealed class LatencyMetric(string command)
{
    /// <summary>One hour in microseconds: anything slower is recorded as one hour.</summary>
    private const long HighestMicros = 3_600_000_000;
    private readonly LongConcurrentHistogram _histogram = new(1, HighestMicros, 3);

    public string Command { get; } = command;

    /// <summary>Records the time from <paramref name="startTimestamp"/> (<see cref="Clock.Now"/>) to now.</summary>
    public void RecordSince(long startTimestamp) => RecordMicros(Clock.MicrosSince(startTimestamp));

    public void RecordMicros(long micros) => _histogram.RecordValue(Math.Clamp(micros, 1, HighestMicros));

    public LatencyStats Stats()
    {
        var copy = _histogram.Copy();
        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        return copy.TotalCount == 0
            ? new LatencyStats(0, 0, 0, 0, 0)
            : new LatencyStats(copy.TotalCount, Ms(copy.GetValueAtPercentile(50)), Ms(copy.GetValueAtPercentile(90)),
                Ms(copy.GetValueAtPercentile(99)), Ms(copy.GetMaxValue()));
    }
}
