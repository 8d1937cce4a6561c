using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

/// <summary>`actormta-load smtp`: everything the SMTP load run needs, validated.</summary>
internal sealed class SmtpOptions
{
    public const string Usage = "actormta-load smtp [options]";

    public const string Description = """
        Sends mail over SMTP from many concurrent sessions and reports throughput, latency per command
        (connect, greeting, ehlo, starttls, tls, auth, mail, rcpt, data, data-end, quit, rset, message)
        and errors by reply code. Every message carries `X-Load-Id: <run-id>-<n>` and a Message-ID.
        Pipelined latencies (mail, rcpt, data) count from the write of the whole command group.
        `message` is MAIL..250 after the final dot (open loop: from the scheduled start).
        """;

    public const string Footer = """
        examples:
          actormta-load smtp --port 2525 --sessions 50 --messages 10000 --rcpt u@local.test
          actormta-load smtp --sessions 200 --duration 60s --size-mix 2048:70,20480:25,1048576:5 \
              --rcpt 'load{n}@local.test' --users 100 --verify pop3 --password secret --verify-starttls
          actormta-load smtp --hold --sessions 10000 --source-ips 20 --messages 10000 --rcpt u@local.test

        exit codes: 0 ok, 1 acknowledged mail lost (verification), 2 usage or setup error,
                    3 errors / messages above --max-error-rate.
        JSON (--json FILE): command, target, run_id, sessions, messages_sent, messages_acknowledged,
          messages_fetched, duration_s, messages_per_s, sessions_per_s, connections_opened, bytes_sent,
          bytes_received, peak_sessions_open, sessions_abandoned, open_phase_s (--hold), latency_ms {cmd:
          {count, p50, p90, p99, max}} in ms, errors {key: count} (keys: a reply such as "451 4.3.0" or
          "421", connect-refused, connect-error, timeout, closed, io, tls, protocol, "probe KEY",
          "verify KEY"), verification {method, acknowledged, expected, arrived, lost, duplicated,
          unexpected, waited_s, deleted, lost_ids ["RUNID-N (mailbox)"]} or null. Verification counts
          deliveries (message x accepted recipient); acknowledged counts messages.
        """;

    public required CommonOptions Common { get; init; }
    public required VerifyOptions Verify { get; init; }
    public required SizeMix Sizes { get; init; }
    public required AddressPattern Recipients { get; init; }
    public required int RecipientsPerMessage { get; init; }
    public required string From { get; init; }
    public required string Helo { get; init; }
    public required bool Pipelining { get; init; }
    public required (string User, string Password)? Auth { get; init; }
    public required long MessagesPerSession { get; init; }
    public required bool Hold { get; init; }
    public required string? IdsOut { get; init; }
    public string? DkimKey { get; init; }
    public string DkimSelector { get; init; } = "load";

    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        .. CommonOptions.Specs(2525, "messages", 1000),
        new("size", "BYTES", "message size (2048, 20k, 1m)", "2048"),
        new("size-mix", "S:W,...", "sizes with weights, e.g. 2048:70,20480:25,1048576:5"),
        new("rcpt", "ADDRESS", "recipient; with {n} a pattern used round robin over --users", "u@local.test"),
        new("users", "U", "values of {n} in --rcpt (0..U-1)", "1"),
        new("rcpts-per-message", "K", "recipients per message", "1"),
        new("from", "ADDRESS", "envelope and header sender", "load@bench.test"),
        new("helo", "NAME", "EHLO name", "load.bench.test"),
        new("pipelining", "on|off", "send MAIL, RCPTs and DATA in one write when the server offers PIPELINING", "on"),
        new("auth", "USER:PW", "AUTH PLAIN (after STARTTLS when --starttls)"),
        new("messages-per-session", "K", "QUIT and reconnect after K messages; 0 = one connection per session", "0"),
        new("hold", null, "open all sessions first and keep them open; send; a probe connects every second; then all QUIT"),
        new("password", "PW", "password of the recipients' mailboxes, for --verify pop3|imap"),
        new("ids-out", "FILE", "write the acknowledged ids (and their recipients) to FILE, for `actormta-load verify`"),
        new("dkim-key", "PEM", "DKIM-sign every message for --from's domain with this private key (h=from, one signature per size)"),
        new("dkim-selector", "S", "the selector of --dkim-key", "load"),
        .. VerifyOptions.Specs(withSink: true),
    ];

    public static SmtpOptions Parse(ArgReader r)
    {
        var common = CommonOptions.From(r, 2525, "messages", 1000);
        if (r.Has("size") && r.Has("size-mix")) throw new UsageException("smtp: give --size or --size-mix, not both");
        SizeMix sizes;
        if (r.String("size-mix") is { } mixText)
        {
            sizes = SizeMix.TryParse(mixText, out var error) ?? throw new UsageException($"smtp: --size-mix: {error}");
        }
        else
        {
            var text = r.String("size", "2048");
            if (!ValueParsers.TryParseSize(text, out var size) || size < 1 || size > int.MaxValue) throw r.Bad("size", text, "a size in bytes");
            sizes = SizeMix.Single((int)size);
        }
        var recipients = AddressPattern.TryParse(r.String("rcpt", "u@local.test"), r.Int("users", 1, 1, 10_000_000), out var rcptError)
            ?? throw new UsageException($"smtp: --rcpt: {rcptError}");
        (string, string)? auth = null;
        if (r.String("auth") is { } authText)
        {
            var colon = authText.IndexOf(':');
            if (colon <= 0) throw r.Bad("auth", authText, "USER:PASSWORD");
            auth = (authText[..colon], authText[(colon + 1)..]);
        }
        var from = r.String("from", "load@bench.test");
        if (from.Any(c => c is '<' or '>' or ' ' or '\r' or '\n') || !from.Contains('@')) throw r.Bad("from", from, "an address");
        var hold = r.Flag("hold");
        if (hold && r.Has("messages-per-session")) throw new UsageException("smtp: --hold keeps one connection per session; drop --messages-per-session");
        var password = r.String("password");
        var verify = VerifyOptions.From(r, common, password, withSink: true);
        return new SmtpOptions
        {
            Common = common,
            Verify = verify,
            Sizes = sizes,
            Recipients = recipients,
            RecipientsPerMessage = r.Int("rcpts-per-message", 1, 1, 10_000),
            From = from,
            Helo = r.String("helo", "load.bench.test"),
            Pipelining = r.OnOff("pipelining", true),
            Auth = auth,
            MessagesPerSession = r.Long("messages-per-session", 0, 0),
            Hold = hold,
            IdsOut = r.String("ids-out"),
            DkimKey = r.String("dkim-key") is { } key ? (File.Exists(key) ? key : throw r.Bad("dkim-key", key, "a PEM file")) : null,
            DkimSelector = r.String("dkim-selector", "load"),
        };
    }
}
