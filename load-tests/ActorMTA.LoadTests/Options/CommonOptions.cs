using System.Net;
using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

/// <summary>What every load command (smtp, imap, pop3) shares: target, concurrency, how long, output.</summary>
internal sealed class CommonOptions
{
    public required IPAddress Host { get; init; }
    public required int Port { get; init; }
    public required int Sessions { get; init; }
    /// <summary>Total messages (smtp) or iterations (imap, pop3) over all sessions; null with --duration.</summary>
    public required long? Total { get; init; }
    public required TimeSpan? Duration { get; init; }
    /// <summary>Open loop: messages (iterations) started per second; null = closed loop.</summary>
    public required double? Rate { get; init; }
    public required int SourceIps { get; init; }
    public required TimeSpan Timeout { get; init; }
    /// <summary>Failures in a row after which a session gives up (counted in sessions_abandoned).</summary>
    public required int GiveUpAfter { get; init; }
    public required bool StartTls { get; init; }
    public required string TlsHost { get; init; }
    public required string? JsonFile { get; init; }
    public required double MaxErrorRate { get; init; }
    public required string RunId { get; init; }

    public string Target => new IPEndPoint(Host, Port).ToString();

    public static IReadOnlyList<OptionSpec> Specs(int defaultPort, string unit, long defaultTotal) =>
    [
        new("host", "IP", "server address (an IP address or localhost)", "127.0.0.1"),
        new("port", "N", "server port", defaultPort.ToString()),
        new("sessions", "N", "concurrent sessions (async sockets: 10,000+ is fine)", "10"),
        new(unit, "N", $"total {unit} over all sessions", $"{defaultTotal} unless --duration"),
        new("duration", "TIME", $"run for this long instead of a number of {unit} (30s, 5m)"),
        new("rate", "R", $"open loop: start R {unit}/s on a fixed schedule; latency counts from the scheduled time (no coordinated omission). Without it: closed loop"),
        new("source-ips", "N", "spread client addresses over 127.0.0.2..127.0.0.(N+1) (bind before connect); 1 = no bind", "1"),
        new("timeout", "TIME", "connect and per-reply timeout", "60s"),
        new("give-up-after", "N", "a session that failed N times in a row (pausing 0.25 s doubling to 2 s between tries) stops", "10"),
        new("starttls", null, "STARTTLS / STLS after the greeting (any certificate is accepted)"),
        new("tls-host", "NAME", "TLS server name sent in the handshake", "localhost"),
        new("json", "FILE", "also write the summary as JSON to FILE"),
        new("max-error-rate", "F", $"exit 3 when errors / {unit} exceeds F", "0.01"),
        new("run-id", "ID", "run id used in X-Load-Id headers and the ids file", "random"),
    ];

    public static CommonOptions From(ArgReader r, int defaultPort, string unit, long defaultTotal)
    {
        var hostText = r.String("host", "127.0.0.1");
        var host = hostText == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(hostText, out var ip) ? ip
            : throw r.Bad("host", hostText, "an IP address");
        if (r.Has(unit) && r.Has("duration"))
            throw new UsageException($"{r.Command}: give --{unit} or --duration, not both");
        var sourceIps = r.Int("source-ips", 1, 1, 253);
        if (sourceIps > 1 && !IPAddress.IsLoopback(host))
            throw new UsageException($"{r.Command}: --source-ips spreads over 127.0.0.x and needs a loopback --host");
        var runId = r.String("run-id") ?? NewRunId();
        if (runId.Length is 0 or > 40 || !runId.All(char.IsAsciiLetterOrDigit))
            throw r.Bad("run-id", runId, "1 to 40 letters and digits");
        var duration = r.Has("duration") ? r.Duration("duration", TimeSpan.Zero) : (TimeSpan?)null;
        return new CommonOptions
        {
            Host = host,
            Port = r.Int("port", defaultPort, 1, 65535),
            Sessions = r.Int("sessions", 10, 1, 1_000_000),
            Total = duration is null ? r.Long(unit, defaultTotal, 1) : null,
            Duration = duration,
            Rate = r.Has("rate") ? r.Double("rate", 0, 0.001, 10_000_000) : null,
            SourceIps = sourceIps,
            Timeout = r.Duration("timeout", TimeSpan.FromSeconds(60)),
            GiveUpAfter = r.Int("give-up-after", 10, 1, 1_000_000),
            StartTls = r.Flag("starttls"),
            TlsHost = r.String("tls-host", "localhost"),
            JsonFile = r.String("json"),
            MaxErrorRate = r.Double("max-error-rate", 0.01, 0, 1),
            RunId = runId,
        };
    }

    /// <summary>Ten base-36 characters: unique enough across runs, short in headers, no '-' (the id separator).</summary>
    public static string NewRunId()
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return string.Create(10, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        });
    }
}
