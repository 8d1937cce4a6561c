using System.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Greylisting;

/// <summary>The actormta.spam.greylisting section.</summary>
public sealed record GreylistSettings
{
    /// <summary>Off: <see cref="GreylistClient"/> answers <see cref="GreylistOutcome.Disabled"/> without asking anybody.</summary>
    public bool Enabled { get; init; }

    /// <summary>How long after the first attempt a retry is let through.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A retry later than this after the first attempt counts as a new first attempt.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromDays(2);

    /// <summary>How long a passed triplet (and an auto-whitelisted network) is remembered after its last pass.</summary>
    public TimeSpan PassTtl { get; init; } = TimeSpan.FromDays(35);

    /// <summary>Passed deliveries after which a whole client network skips greylisting; 0 = never.</summary>
    public int AutoWhitelistAfter { get; init; } = 5;

    public int Ipv4Prefix { get; init; } = 24;
    public int Ipv6Prefix { get; init; } = 64;

    public int MaxTripletsPerNetwork { get; init; } = 10000;

    public GreylistWhitelist Whitelist { get; init; } = GreylistWhitelist.Empty;

    public int SnapshotEvery { get; init; } = 500;
    public int MaxBatch { get; init; } = 1000;
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <param name="root">Configuration holding the actormta section; a missing greylisting section means the defaults (off).</param>
    public static GreylistSettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.spam.greylisting");
        if (c is null || c.IsEmpty) return new GreylistSettings();
        var defaults = new GreylistSettings();
        var settings = new GreylistSettings
        {
            Enabled = c.GetBoolean("enabled", false),
            Delay = c.GetTimeSpan("delay", defaults.Delay),
            RetryWindow = c.GetTimeSpan("retry-window", defaults.RetryWindow),
            PassTtl = c.GetTimeSpan("pass-ttl", defaults.PassTtl),
            AutoWhitelistAfter = c.GetInt("auto-whitelist-after", defaults.AutoWhitelistAfter),
            Ipv4Prefix = c.GetInt("ipv4-prefix", defaults.Ipv4Prefix),
            Ipv6Prefix = c.GetInt("ipv6-prefix", defaults.Ipv6Prefix),
            MaxTripletsPerNetwork = c.GetInt("max-triplets-per-network", defaults.MaxTripletsPerNetwork),
            Whitelist = GreylistWhitelist.Parse(c.GetStringList("whitelist") ?? []),
            SnapshotEvery = c.GetInt("snapshot-every", defaults.SnapshotEvery),
            MaxBatch = c.GetInt("max-batch", defaults.MaxBatch),
            PassivateAfter = c.GetTimeSpan("passivate-after", defaults.PassivateAfter),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws on values that would make the policy meaningless (a window shorter than the delay lets nothing pass).</summary>
    public GreylistSettings Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ConfigurationException("actormta.spam.greylisting." + message);
        }

        Require(Delay >= TimeSpan.Zero, "delay must not be negative");
        Require(RetryWindow > Delay, "retry-window must be longer than delay");
        Require(PassTtl > TimeSpan.Zero, "pass-ttl must be positive");
        Require(AutoWhitelistAfter >= 0, "auto-whitelist-after must be 0 (off) or more");
        Require(Ipv4Prefix is >= 0 and <= 32, "ipv4-prefix must be 0-32");
        Require(Ipv6Prefix is >= 0 and <= 128, "ipv6-prefix must be 0-128");
        Require(MaxTripletsPerNetwork >= 1, "max-triplets-per-network must be at least 1");
        Require(SnapshotEvery >= 1, "snapshot-every must be at least 1");
        Require(MaxBatch >= 1, "max-batch must be at least 1");
        return this;
    }
}
