using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

/// <summary>`actormta-load imap` and `actormta-load pop3`: sessions that log in and read mailboxes.</summary>
internal sealed class MailboxOptions
{
    public const string ImapUsage = "actormta-load imap [options]";
    public const string Pop3Usage = "actormta-load pop3 [options]";

    public const string ImapDescription = """
        Each session loops: connect, (STARTTLS), LOGIN, SELECT INBOX, FETCH 1:* (UID FLAGS),
        FETCH BODY.PEEK[HEADER] of the last --headers messages, FETCH BODY.PEEK[] of --bodies random
        messages, STORE +FLAGS (\Seen) on one, LOGOUT. One loop is one iteration. Latency per command:
        connect, greeting, starttls, tls, login, select, fetch, fetch-headers, fetch-body, store, logout,
        iteration. In the JSON, messages_sent / messages_acknowledged count iterations started / completed.
        """;

    public const string Pop3Description = """
        Each session loops: connect, (STLS), USER, PASS, STAT, RETR of --retr random messages, QUIT.
        One loop is one iteration. Latency per command: connect, greeting, stls, tls, user, pass, stat,
        retr, quit, iteration. In the JSON, messages_sent / messages_acknowledged count iterations
        started / completed.
        """;

    public const string Footer = """
        exit codes: 0 ok, 2 usage or setup error, 3 errors / iterations above --max-error-rate.
        """;

    public required CommonOptions Common { get; init; }
    public required AddressPattern Users { get; init; }
    public required string Password { get; init; }
    /// <summary>IMAP: headers of the last K messages; POP3: unused.</summary>
    public required int Headers { get; init; }
    /// <summary>IMAP: BODY.PEEK[] of K random messages; POP3: RETR of K random messages.</summary>
    public required int Bodies { get; init; }
    public required string Mailbox { get; init; }

    public static IReadOnlyList<OptionSpec> ImapSpecs { get; } =
    [
        .. CommonOptions.Specs(2143, "iterations", 1000),
        .. UserSpecs,
        new("headers", "K", "FETCH BODY.PEEK[HEADER] of the last K messages", "10"),
        new("bodies", "K", "FETCH BODY.PEEK[] of K random messages", "1"),
        new("mailbox", "NAME", "mailbox to SELECT", "INBOX"),
    ];

    public static IReadOnlyList<OptionSpec> Pop3Specs { get; } =
    [
        .. CommonOptions.Specs(2110, "iterations", 1000),
        .. UserSpecs,
        new("retr", "K", "RETR of K random messages per iteration", "1"),
    ];

    private static OptionSpec[] UserSpecs =>
    [
        new("user", "ADDRESS", "login; with {n} a pattern used round robin over --users", "u@local.test"),
        new("users", "U", "values of {n} in --user (0..U-1)", "1"),
        new("password", "PW", "password of every user (required)"),
    ];

    public static MailboxOptions Parse(ArgReader r, bool imap)
    {
        var common = CommonOptions.From(r, imap ? 2143 : 2110, "iterations", 1000);
        var users = AddressPattern.TryParse(r.String("user", "u@local.test"), r.Int("users", 1, 1, 10_000_000), out var error)
            ?? throw new UsageException($"{r.Command}: --user: {error}");
        return new MailboxOptions
        {
            Common = common,
            Users = users,
            Password = r.String("password") ?? throw new UsageException($"{r.Command}: --password is required"),
            Headers = imap ? r.Int("headers", 10, 0, 100_000) : 0,
            Bodies = r.Int(imap ? "bodies" : "retr", 1, 0, 100_000),
            Mailbox = imap ? r.String("mailbox", "INBOX") : "INBOX",
        };
    }
}
