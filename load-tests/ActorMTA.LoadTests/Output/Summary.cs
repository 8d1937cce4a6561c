using System.Text.Json;
using System.Text.Json.Serialization;
using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Output;

/// <summary>Latency of one command in milliseconds (HdrHistogram, recorded in microseconds).</summary>
internal sealed record LatencyStats(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p90")] double P90,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max);

/// <summary>
/// What verification found. Counts are deliveries (message × accepted recipient): `expected` of
/// them were acknowledged, `arrived` were found, `lost` were acknowledged but never found,
/// `duplicated` were found more than once, `unexpected` were found but never acknowledged (e.g. the
/// server stored a message whose 250 the client never saw). `acknowledged` counts messages;
/// `lost_ids` lists up to 20 lost deliveries as "RUNID-N (mailbox)"; `deleted` counts --verify-delete.
/// </summary>
internal sealed record VerificationSummary(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("acknowledged")] long Acknowledged,
    [property: JsonPropertyName("expected")] long Expected,
    [property: JsonPropertyName("arrived")] long Arrived,
    [property: JsonPropertyName("lost")] long Lost,
    [property: JsonPropertyName("duplicated")] long Duplicated,
    [property: JsonPropertyName("unexpected")] long Unexpected,
    [property: JsonPropertyName("waited_s")] double WaitedSeconds,
    [property: JsonPropertyName("deleted")] long Deleted,
    [property: JsonPropertyName("lost_ids")] IReadOnlyList<string> LostIds);

/// <summary>
/// The end-of-run summary, printed and written by `--json FILE`. The JSON names below are a stable
/// interface (scripts and load-tests/README.md read them); add fields, never rename or drop one.
/// <list type="bullet">
/// <item>command: smtp | imap | pop3 | verify; target: "ip:port"; run_id; sessions: --sessions.</item>
/// <item>messages_sent: smtp messages whose content was sent (imap/pop3: iterations started);
///   messages_acknowledged: answered 250 after the final dot (imap/pop3: iterations completed).</item>
/// <item>duration_s: the load phase (with --hold: from all sessions open until every session has sent);
///   messages_per_s = messages_acknowledged / duration_s; sessions_per_s = connections_opened / duration_s
///   (with --hold: / open_phase_s).</item>
/// <item>latency_ms: {command: {count, p50, p90, p99, max}}; errors: {key: count}, e.g. "451 4.3.0",
///   "421 4.7.0", "connect-refused", "timeout", "closed", "io", "tls", "probe timeout".</item>
/// <item>verification: see <see cref="VerificationSummary"/>, or null without --verify.</item>
/// </list>
/// </summary>
internal sealed record Summary
{
    [JsonPropertyName("command")] public required string Command { get; init; }
    [JsonPropertyName("target")] public required string Target { get; init; }
    [JsonPropertyName("run_id")] public required string RunId { get; init; }
    [JsonPropertyName("sessions")] public required int Sessions { get; init; }
    [JsonPropertyName("messages_sent")] public required long MessagesSent { get; init; }
    [JsonPropertyName("messages_acknowledged")] public required long MessagesAcknowledged { get; init; }
    [JsonPropertyName("messages_fetched")] public long MessagesFetched { get; init; }
    [JsonPropertyName("duration_s")] public required double DurationSeconds { get; init; }
    [JsonPropertyName("messages_per_s")] public required double MessagesPerSecond { get; init; }
    [JsonPropertyName("sessions_per_s")] public required double SessionsPerSecond { get; init; }
    [JsonPropertyName("connections_opened")] public required long ConnectionsOpened { get; init; }
    [JsonPropertyName("bytes_sent")] public required long BytesSent { get; init; }
    [JsonPropertyName("bytes_received")] public required long BytesReceived { get; init; }
    [JsonPropertyName("peak_sessions_open")] public required long PeakSessionsOpen { get; init; }
    [JsonPropertyName("sessions_abandoned")] public required long SessionsAbandoned { get; init; }
    [JsonPropertyName("open_phase_s")] public double? OpenPhaseSeconds { get; init; }
    [JsonPropertyName("latency_ms")] public required IReadOnlyDictionary<string, LatencyStats> LatencyMs { get; init; }
    [JsonPropertyName("errors")] public required IReadOnlyDictionary<string, long> Errors { get; init; }
    [JsonPropertyName("verification")] public VerificationSummary? Verification { get; init; }

    [JsonIgnore] public long ErrorCount => Errors.Values.Sum();

    /// <summary>The summary of a load run from its counters; <paramref name="openPhase"/> only with --hold.</summary>
    public static Summary Build(string command, CommonOptions common, RunCounters counters, ErrorCounter errors, LatencyRecorder latency,
        double durationSeconds, double? openPhase, VerificationSummary? verification)
    {
        var duration = Math.Max(durationSeconds, 1e-6);
        return new Summary
        {
            Command = command,
            Target = common.Target,
            RunId = common.RunId,
            Sessions = common.Sessions,
            MessagesSent = counters.MessagesSent,
            MessagesAcknowledged = counters.MessagesAcknowledged,
            MessagesFetched = counters.MessagesFetched,
            DurationSeconds = Math.Round(durationSeconds, 3),
            MessagesPerSecond = Math.Round(counters.MessagesAcknowledged / duration, 2),
            SessionsPerSecond = Math.Round(counters.ConnectionsOpened / (openPhase is > 0 and var o ? o : duration), 2),
            ConnectionsOpened = counters.ConnectionsOpened,
            BytesSent = counters.BytesSent,
            BytesReceived = counters.BytesReceived,
            PeakSessionsOpen = counters.PeakSessionsOpen,
            SessionsAbandoned = counters.SessionsAbandoned,
            OpenPhaseSeconds = openPhase is { } p ? Math.Round(p, 3) : null,
            LatencyMs = latency.All.Select(m => (m.Command, Stats: m.Stats())).Where(m => m.Stats.Count > 0)
                .OrderBy(m => Array.IndexOf(CommandOrder, m.Command) is var i && i >= 0 ? i : int.MaxValue).ThenBy(m => m.Command, StringComparer.Ordinal)
                .ToDictionary(m => m.Command, m => m.Stats),
            Errors = errors.Snapshot().ToDictionary(kv => kv.Key, kv => kv.Value),
            Verification = verification,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    });

    /// <summary>Canonical order of commands in tables: the protocol's order, then anything else by name.</summary>
    public static readonly string[] CommandOrder =
    [
        "connect", "greeting", "ehlo", "starttls", "stls", "tls", "auth", "mail", "rcpt", "data", "data-end", "rset",
        "user", "pass", "login", "select", "stat", "fetch", "fetch-headers", "fetch-body", "retr", "store",
        "quit", "logout", "message", "iteration", "probe",
    ];
}
