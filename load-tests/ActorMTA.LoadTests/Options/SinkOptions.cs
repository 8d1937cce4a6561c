using System.Net;
using ActorMTA.LoadTests.Cli;

namespace ActorMTA.LoadTests;

/// <summary>`actormta-load sink`: the SMTP sink on its own, printing counts every second.</summary>
internal sealed class SinkOptions
{
    public const string Usage = "actormta-load sink [options]";

    public const string Description = """
        A minimal, fast SMTP receiver (EHLO with PIPELINING and 8BITMIME) that accepts every message
        and counts messages, recipients and bytes; it prints the counts every second until Ctrl-C or
        --duration. Point the server's delivery at it (actormta.delivery.routes) to measure relaying.
        `smtp --verify sink` runs the same sink inside the load run and checks the X-Load-Ids it receives.
        """;

    public required IPAddress Host { get; init; }
    public required int Port { get; init; }
    public required TimeSpan? Duration { get; init; }

    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("host", "IP", "address to listen on", "127.0.0.1"),
        new("port", "N", "port to listen on", "28025"),
        new("duration", "TIME", "stop after this long", "until Ctrl-C"),
    ];

    public static SinkOptions Parse(ArgReader r)
    {
        var hostText = r.String("host", "127.0.0.1");
        return new SinkOptions
        {
            Host = hostText == "localhost" ? IPAddress.Loopback
                : IPAddress.TryParse(hostText, out var ip) ? ip : throw r.Bad("host", hostText, "an IP address"),
            Port = r.Int("port", 28025, 1, 65535),
            Duration = r.Has("duration") ? r.Duration("duration", TimeSpan.Zero) : null,
        };
    }
}
