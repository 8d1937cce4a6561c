using Akka.Configuration;

namespace ActorMTA.Server.Observability.Events;

/// <summary>actormta.events: where and how the node's delivery events are written.</summary>
public sealed record EventLogSettings(bool Enabled, string Directory, long SegmentSize, TimeSpan SegmentAge, bool Compress, TimeSpan Retention)
{
    /// <summary>How long events wait to be written with the ones after them (one fsync for all); zero: written at once.</summary>
    public TimeSpan CommitDelay { get; init; }

    public static EventLogSettings FromConfig(Config root, string dataDirectory)
    {
        var c = root.GetConfig("actormta.events") ?? ConfigurationFactory.Empty;
        var directory = c.GetString("directory", "events");
        var segmentSize = c.GetByteSize("segment-size", null) ?? 64L * 1024 * 1024;
        if (segmentSize < 4096) throw new ConfigurationException("actormta.events.segment-size must be at least 4KiB");
        var age = c.GetTimeSpan("segment-age", TimeSpan.FromHours(1));
        if (age <= TimeSpan.Zero) throw new ConfigurationException("actormta.events.segment-age must be positive");
        return new EventLogSettings(
            c.GetBoolean("enabled", true),
            Path.GetFullPath(Path.Combine(dataDirectory, directory)),
            segmentSize, age,
            c.GetBoolean("compress", true),
            c.GetTimeSpan("retention", TimeSpan.FromDays(30)))
        {
            CommitDelay = c.GetTimeSpan("commit-delay", TimeSpan.Zero) is var delay && delay >= TimeSpan.Zero
                ? delay
                : throw new ConfigurationException("actormta.events.commit-delay must not be negative"),
        };
    }
}
