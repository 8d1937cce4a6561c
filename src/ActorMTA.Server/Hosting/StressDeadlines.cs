using ActorMTA.Server.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// What bounds a session's reads besides its normal timeouts (which are total deadlines per command line and per
/// message or literal): the slowest pace message data may come at, and the shorter deadlines that apply while the
/// node is under stress (open connections at or above <paramref name="StressThreshold"/> of max-connections), as
/// Postfix's stress-adaptive smtpd_timeout. Read from the same keys in the smtp, pop3 and imap sections.
/// </summary>
public sealed record StressDeadlines(
    long MinDataRate,
    TimeSpan MinDataRateGrace,
    double StressThreshold,
    TimeSpan StressCommandTimeout,
    TimeSpan StressDataTimeout)
{
    public static readonly StressDeadlines Default = new(500, TimeSpan.FromSeconds(10), 0.8, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));

    public TransferPace Pace => MinDataRate > 0 ? new TransferPace(MinDataRate, MinDataRateGrace) : TransferPace.None;

    public TimeSpan CommandTimeout(TimeSpan normal, bool underStress) => underStress && StressCommandTimeout < normal ? StressCommandTimeout : normal;

    public TimeSpan DataTimeout(TimeSpan normal, bool underStress) => underStress && StressDataTimeout < normal ? StressDataTimeout : normal;

    /// <summary>The keys of one protocol section; a missing key keeps its default.</summary>
    public static StressDeadlines FromConfig(Config section)
    {
        var d = Default;
        var deadlines = new StressDeadlines(
            section.GetLong("min-data-rate", d.MinDataRate),
            section.GetTimeSpan("min-data-rate-grace", d.MinDataRateGrace),
            section.GetDouble("stress-threshold", d.StressThreshold),
            section.GetTimeSpan("stress-command-timeout", d.StressCommandTimeout),
            section.GetTimeSpan("stress-data-timeout", d.StressDataTimeout));
        if (deadlines.MinDataRate < 0) throw new ConfigurationException("min-data-rate must not be negative");
        if (deadlines.StressCommandTimeout <= TimeSpan.Zero || deadlines.StressDataTimeout <= TimeSpan.Zero)
            throw new ConfigurationException("stress-command-timeout and stress-data-timeout must be positive");
        return deadlines;
    }
}
