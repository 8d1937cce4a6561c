using System.Net;
using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

/// <summary>`actormta-load verify`: checks the mailboxes for the ids an earlier `smtp --ids-out FILE` run wrote.</summary>
internal sealed class VerifyCommandOptions
{
    public const string Usage = "actormta-load verify --ids FILE --verify pop3|imap [options]";

    public const string Description = """
        Verification on its own, against the acknowledged ids of an earlier run (`smtp --ids-out FILE`):
        logs into every recipient's mailbox (or --verify-user), reads the X-Load-Id of each message and
        reports acknowledged / arrived / lost / duplicated / unexpected, waiting up to --verify-timeout
        for missing ones. Exit 1 when an acknowledged message is missing.
        """;

    public required string IdsFile { get; init; }
    public required VerifyOptions Verify { get; init; }
    public required string Target { get; init; }
    public required string? JsonFile { get; init; }

    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("ids", "FILE", "ids file written by `smtp --ids-out FILE` (required)"),
        new("host", "IP", "server address", "127.0.0.1"),
        new("password", "PW", "password of the recipients' mailboxes"),
        new("timeout", "TIME", "connect and per-reply timeout", "60s"),
        new("tls-host", "NAME", "TLS server name sent in the handshake", "localhost"),
        new("json", "FILE", "also write the summary as JSON to FILE"),
        .. VerifyOptions.Specs(withSink: false),
    ];

    public static VerifyCommandOptions Parse(ArgReader r)
    {
        var hostText = r.String("host", "127.0.0.1");
        var host = hostText == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(hostText, out var ip) ? ip : throw r.Bad("host", hostText, "an IP address");
        var common = new CommonOptions
        {
            Host = host,
            Port = 0,
            Sessions = 0,
            Total = null,
            Duration = null,
            Rate = null,
            SourceIps = 1,
            Timeout = r.Duration("timeout", TimeSpan.FromSeconds(60)),
            GiveUpAfter = 1,
            StartTls = false,
            TlsHost = r.String("tls-host", "localhost"),
            JsonFile = r.String("json"),
            MaxErrorRate = 1,
            RunId = "verify",
        };
        var verify = VerifyOptions.From(r, common, r.String("password"), withSink: false);
        if (verify.Method == VerifyMethod.None) throw new UsageException("verify: --verify pop3|imap is required");
        return new VerifyCommandOptions
        {
            IdsFile = r.String("ids") ?? throw new UsageException("verify: --ids FILE is required"),
            Verify = verify,
            Target = new IPEndPoint(host, verify.Port).ToString(),
            JsonFile = common.JsonFile,
        };
    }
}
