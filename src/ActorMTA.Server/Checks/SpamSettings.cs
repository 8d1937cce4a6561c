using System.Net;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorMTA.Server.Checks;

/// <summary>One DNS list: a DNSBL (positive weight) or a DNSWL (negative weight).</summary>
/// <param name="Answers">The 127.0.0.x answers that count as listed; empty: any answer in 127.0.0.0/8 does
/// (answers outside it are the list's error signals, e.g. Spamhaus's 127.255.255.x, and never count).</param>
public sealed record DnsListZone(string Zone, double Weight, IReadOnlyList<IPAddress> Answers);

/// <summary>What the session does when Rspamd cannot be asked.</summary>
public enum RspamdFailureMode
{
    /// <summary>Accept on the other checks' verdict, log it, and say so in X-Spam-Status.</summary>
    FailOpen,

    /// <summary>451 4.7.1: the sender retries later, when Rspamd is back.</summary>
    TempFail,
}

/// <summary>
/// actormta.spam: the inbound checks of SMTP listeners that are not submission ports (the port-25 role), for
/// clients that are neither authenticated nor in smtp.relay-networks. Read once at start-up.
/// </summary>
public sealed record SpamSettings
{
    public static SpamSettings Disabled { get; } = new();

    public bool Enabled { get; init; }

    /// <summary>The authserv-id of our Authentication-Results (RFC 8601); the host name by default.</summary>
    public string AuthServId { get; init; } = "";

    /// <summary>Larger messages skip the content checks (DKIM, DMARC, ARC, Rspamd); their header says so.</summary>
    public long MaxScanSize { get; init; } = 10 * 1024 * 1024;

    /// <summary>Budget of the end-of-data checks together; past it the ones still running count as temperror.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public bool Spf { get; init; } = true;
    public double SpfFailWeight { get; init; } = 3;
    public double SpfSoftFailWeight { get; init; } = 1;
    public bool Dkim { get; init; } = true;
    public bool Arc { get; init; } = true;
    public bool Dmarc { get; init; } = true;

    /// <summary>Honour p=reject with 550 5.7.1 (off: such mail goes to Junk, as for quarantine).</summary>
    public bool DmarcReject { get; init; } = true;

    /// <summary>ARC sealers (d= of the chain) whose dmarc=pass verdict in their ARC-Authentication-Results overrides our
    /// DMARC failure, for mailing lists and forwarders one trusts (RFC 8617 section 7.2).</summary>
    public IReadOnlyList<string> ArcTrustedSealers { get; init; } = [];

    /// <summary>Where DMARC aggregate-report data is appended (JSON lines per day); empty: kept in memory only.</summary>
    public string DmarcReportDirectory { get; init; } = "";

    public IReadOnlyList<DnsListZone> DnsLists { get; init; } = [];

    /// <summary>Added to the score when the client's reverse DNS does not confirm forward (FCrDNS).</summary>
    public double FcrdnsFailWeight { get; init; } = 1;

    /// <summary>Above zero: the greeting waits this long, and a client that sends anything first gets 554 5.7.1.</summary>
    public TimeSpan GreetingDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Score at which mail goes to the recipient's Junk folder.</summary>
    public double JunkScore { get; init; } = 5;

    /// <summary>Score at which mail is refused with 550 5.7.1 (the connection-stage score alone refuses at RCPT).</summary>
    public double RejectScore { get; init; } = 15;

    /// <summary>Remove Authentication-Results with our authserv-id arriving from outside (RFC 8601 section 5).</summary>
    public bool RemoveForeignAuthResults { get; init; } = true;

    /// <summary>Rspamd's normal worker (…/checkv2); null: no content scanning.</summary>
    public Uri? RspamdUrl { get; init; }

    /// <summary>Rspamd's controller (learnspam/learnham); by default the worker's URL.</summary>
    public Uri? RspamdControllerUrl { get; init; }

    public string RspamdPassword { get; init; } = "";
    public TimeSpan RspamdTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RspamdLearnTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public RspamdFailureMode RspamdFailure { get; init; } = RspamdFailureMode.FailOpen;

    /// <summary>Teach Rspamd when a user moves mail into Junk (spam) or out of it (ham) over IMAP.</summary>
    public bool RspamdLearn { get; init; } = true;

    public string AuthServIdOr(string hostName) => AuthServId.Length > 0 ? AuthServId : hostName;

    public static SpamSettings FromConfig(Config? c)
    {
        if (c is null || c.IsEmpty) return Disabled;
        var junk = c.GetDouble("thresholds.junk", 5);
        var reject = c.GetDouble("thresholds.reject", 15);
        if (reject < junk) throw new ConfigurationException("actormta.spam.thresholds.reject must not be below thresholds.junk");
        return new SpamSettings
        {
            Enabled = c.GetBoolean("enabled", false),
            AuthServId = c.GetString("authserv-id", ""),
            MaxScanSize = c.GetLong("max-scan-size", 10 * 1024 * 1024),
            Timeout = Positive(c.GetTimeSpan("timeout", TimeSpan.FromSeconds(20)), "timeout"),
            Spf = c.GetBoolean("spf.enabled", true),
            SpfFailWeight = c.GetDouble("spf.fail-weight", 3),
            SpfSoftFailWeight = c.GetDouble("spf.softfail-weight", 1),
            Dkim = c.GetBoolean("dkim.enabled", true),
            Arc = c.GetBoolean("arc.enabled", true),
            ArcTrustedSealers = (c.GetStringList("arc.trusted-sealers") ?? []).Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).ToArray(),
            Dmarc = c.GetBoolean("dmarc.enabled", true),
            DmarcReject = c.GetBoolean("dmarc.honour-reject", true),
            DmarcReportDirectory = c.GetString("dmarc.report-dir", ""),
            DnsLists = ReadZones(c),
            FcrdnsFailWeight = c.GetDouble("fcrdns.fail-weight", 1),
            GreetingDelay = c.GetTimeSpan("early-talker.greeting-delay", TimeSpan.Zero),
            JunkScore = junk,
            RejectScore = reject,
            RemoveForeignAuthResults = c.GetBoolean("remove-foreign-auth-results", true),
            RspamdUrl = OptionalUri(c.GetString("rspamd.url", ""), "rspamd.url"),
            RspamdControllerUrl = OptionalUri(c.GetString("rspamd.controller-url", ""), "rspamd.controller-url"),
            RspamdPassword = c.GetString("rspamd.password", ""),
            RspamdTimeout = Positive(c.GetTimeSpan("rspamd.timeout", TimeSpan.FromSeconds(15)), "rspamd.timeout"),
            RspamdLearnTimeout = Positive(c.GetTimeSpan("rspamd.learn-timeout", TimeSpan.FromSeconds(60)), "rspamd.learn-timeout"),
            RspamdFailure = c.GetString("rspamd.on-failure", "fail-open").ToLowerInvariant() switch
            {
                "fail-open" => RspamdFailureMode.FailOpen,
                "tempfail" => RspamdFailureMode.TempFail,
                var other => throw new ConfigurationException($"actormta.spam.rspamd.on-failure: unknown value '{other}' (fail-open | tempfail)"),
            },
            RspamdLearn = c.GetBoolean("rspamd.learn", true),
        };
    }

    /// <summary>dns-lists = [ { zone = "zen.example", weight = 10, answers = ["127.0.0.2"] } ]; a negative weight is a whitelist.</summary>
    private static IReadOnlyList<DnsListZone> ReadZones(Config c)
    {
        if (!c.HasPath("dns-lists")) return [];
        var zones = new List<DnsListZone>();
        foreach (var item in c.GetValue("dns-lists").GetArray())
        {
            if (!item.IsObject()) throw new ConfigurationException("actormta.spam.dns-lists: every entry is an object { zone, weight, answers }");
            var fields = item.GetObject().Items;
            var zone = fields.TryGetValue("zone", out var z) ? z.GetString().Trim().TrimEnd('.') : "";
            if (zone.Length == 0) throw new ConfigurationException("actormta.spam.dns-lists: every entry needs a zone");
            var weight = fields.TryGetValue("weight", out var w) ? w.GetDouble() : 10;
            var answers = (fields.TryGetValue("answers", out var a) ? a.GetStringList() : []).Select(text =>
                IPAddress.TryParse(text, out var ip) ? ip : throw new ConfigurationException($"actormta.spam.dns-lists {zone}: answer '{text}' is not an address")).ToArray();
            zones.Add(new DnsListZone(zone, weight, answers));
        }
        return zones;
    }

    private static Uri? OptionalUri(string value, string key)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ConfigurationException($"actormta.spam.{key}: '{value}' is not an http(s) URL");
    }

    private static TimeSpan Positive(TimeSpan value, string key) =>
        value > TimeSpan.Zero ? value : throw new ConfigurationException($"actormta.spam.{key} must be positive");
}
