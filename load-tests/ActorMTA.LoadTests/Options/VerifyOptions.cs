using System.Net;
using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

internal enum VerifyMethod
{
    None,
    Sink,
    Pop3,
    Imap,
}

/// <summary>
/// How acknowledged mail is checked after the run: `sink` (the tool's own SMTP receiver, to which
/// the server relays) or `pop3`/`imap` (log into every recipient's mailbox and read X-Load-Id).
/// </summary>
internal sealed class VerifyOptions
{
    public required VerifyMethod Method { get; init; }
    public required IPAddress Host { get; init; }
    public required int SinkPort { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int Port { get; init; }
    /// <summary>One mailbox that receives everything, instead of each recipient's own.</summary>
    public required string? User { get; init; }
    public required string? Password { get; init; }
    public required bool StartTls { get; init; }
    public required bool Delete { get; init; }
    public required string TlsHost { get; init; }
    public required TimeSpan CommandTimeout { get; init; }

    public static IReadOnlyList<OptionSpec> Specs(bool withSink) =>
    [
        new("verify", withSink ? "sink|pop3|imap" : "pop3|imap", "check that every acknowledged message arrived (exit 1 when one is lost)"),
        .. withSink ? new OptionSpec[] { new("sink-port", "N", "port of the tool's own SMTP sink on 127.0.0.1 (--verify sink)", "28025") } : [],
        new("verify-timeout", "TIME", "how long to wait for acknowledged mail to arrive", "120s"),
        new("verify-port", "N", "POP3 / IMAP port for --verify pop3|imap", "2110 / 2143"),
        new("verify-user", "ADDRESS", "log into this one mailbox instead of each recipient's"),
        new("verify-password", "PW", "password for --verify-user (or for every recipient)", "--password"),
        new("verify-starttls", null, "STLS / STARTTLS before logging in to verify"),
        new("verify-delete", null, "delete the run's messages from the mailboxes afterwards (POP3 DELE, IMAP \\Deleted + EXPUNGE)"),
    ];

    /// <param name="password">The command's --password, used when --verify-password is not given.</param>
    public static VerifyOptions From(ArgReader r, CommonOptions common, string? password, bool withSink)
    {
        var method = withSink
            ? r.Choice("verify", VerifyMethod.None, ("sink", VerifyMethod.Sink), ("pop3", VerifyMethod.Pop3), ("imap", VerifyMethod.Imap))
            : r.Choice("verify", VerifyMethod.None, ("pop3", VerifyMethod.Pop3), ("imap", VerifyMethod.Imap));
        var options = new VerifyOptions
        {
            Method = method,
            Host = common.Host,
            SinkPort = withSink ? r.Int("sink-port", 28025, 1, 65535) : 0,
            Timeout = r.Duration("verify-timeout", TimeSpan.FromSeconds(120)),
            Port = r.Int("verify-port", method == VerifyMethod.Imap ? 2143 : 2110, 1, 65535),
            User = r.String("verify-user"),
            Password = r.String("verify-password") ?? password,
            StartTls = r.Flag("verify-starttls"),
            Delete = r.Flag("verify-delete"),
            TlsHost = common.TlsHost,
            CommandTimeout = common.Timeout,
        };
        if (method is VerifyMethod.Pop3 or VerifyMethod.Imap && options.Password is null)
            throw new UsageException($"{r.Command}: --verify {method.ToString().ToLowerInvariant()} needs --verify-password or --password");
        if (method is VerifyMethod.None or VerifyMethod.Sink && (r.Has("verify-user") || r.Has("verify-delete") || r.Has("verify-starttls")))
            throw new UsageException($"{r.Command}: --verify-user, --verify-starttls and --verify-delete need --verify pop3|imap");
        return options;
    }
}
