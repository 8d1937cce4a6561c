using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Imap.Stress;
using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Commands;

/// <summary>
/// `actormta-load imap-stress`: N clients on one mailbox, random pipelined commands, every response checked against
/// each client's model of its view (<see cref="StressViewChecker"/>), then a quiesce phase comparing every view with a
/// fresh fetch and with each other. Exit 0 with no violation, 1 with any.
/// </summary>
internal static partial class ImapStressCommand
{
    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new("imap", "HOST:PORT", "plain IMAP port of the server (LOGIN without TLS must be allowed)", "127.0.0.1:143"),
        new("user", "ADDRESS", "the mailbox every client logs in to"),
        new("password", "SECRET", "its password"),
        new("clients", "N", "concurrent sessions on the mailbox", "20"),
        new("duration", "TIME", "how long the clients issue random commands", "60s"),
        new("depth", "N", "commands in flight per client at most (pipelining)", "3"),
        new("seed", "N", "random seed (a run is repeatable up to timing)", "1"),
        new("transcripts", "DIR", "write every client's whole transcript to DIR/client-N.log (both directions)"),
    ];

    private const string Usage = "actormta-load imap-stress --user ADDRESS --password SECRET [options]";

    public static async Task<int> RunAsync(ArgReader args)
    {
        if (args.HelpRequested)
        {
            Console.Out.Write(ArgReader.Help(Usage, "Model-checking stress of one mailbox shared by many IMAP sessions.", Specs));
            return ExitCodes.Ok;
        }
        var target = IPEndPoint.Parse(args.String("imap", "127.0.0.1:143"));
        var user = args.String("user") ?? throw new UsageException("imap-stress: --user is required");
        var password = args.String("password") ?? throw new UsageException("imap-stress: --password is required");
        var count = args.Int("clients", 20, 1, 1000);
        var duration = args.Duration("duration", TimeSpan.FromSeconds(60));
        var depth = args.Int("depth", 3, 1, 50);
        var seed = args.Int("seed", 1);
        var transcripts = args.String("transcripts");
        if (transcripts is not null) Directory.CreateDirectory(transcripts);

        await PrepareAsync(target, user, password);
        var contents = new ConcurrentDictionary<string, byte[]>();
        var latencies = new LatencyRecorder();
        var clients = Enumerable.Range(1, count)
            .Select(i => new StressClient(i, target, user, password, depth, seed * 1000 + i, contents, latencies,
                transcripts is null ? null : new StreamWriter(Path.Combine(transcripts, $"client-{i}.log")))).ToList();
        await Task.WhenAll(clients.Select(c => c.StartAsync()));
        Console.Out.WriteLine($"imap-stress {target}: {count} clients, depth {depth}, {duration.TotalSeconds:0} s, seed {seed}");

        using var stop = new CancellationTokenSource(duration);
        var started = Clock.Now;
        var running = Task.WhenAll(clients.Select(c => c.RunAsync(stop.Token)));
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5)));
            Console.Out.WriteLine($"  {Clock.Seconds(started, Clock.Now),5:0} s  {clients.Sum(c => c.Commands),8} commands  " +
                $"{clients.Sum(c => c.Violations.Count)} violations");
        }
        await running;
        var seconds = Clock.Seconds(started, Clock.Now);

        // Quiesce: every change made; let pushes arrive, then every client tells what it holds (NOOP) and its view
        // must match a fresh fetch in its own session, a new session's SELECT, and the other clients'.
        await Task.Delay(500);
        foreach (var client in clients) await client.QuiesceAsync();
        var fresh = await FreshSelectAsync(target, user, password);
        foreach (var client in clients) client.CompareWithFreshSelect(fresh);
        var differing = clients.Where(c => !c.Fresh.Select(f => f.Uid).SequenceEqual(fresh.Select(f => f.Uid))).Select(c => c.Name).ToList();
        await Task.WhenAll(clients.Select(c => c.LogoutAsync()));

        var total = clients.Sum(c => c.Commands);
        Console.Out.WriteLine($"commands: {total} in {seconds:0.0} s ({total / Math.Max(seconds, 0.001):0} per second), messages at the end: {fresh.Count}");
        Console.Out.WriteLine($"{"latency ms",-14}{"count",10}{"p50",10}{"p99",10}{"max",10}");
        foreach (var metric in latencies.All.OrderBy(m => m.Command, StringComparer.Ordinal))
        {
            var stats = metric.Stats();
            Console.Out.WriteLine($"  {metric.Command,-12}{stats.Count,10}{stats.P50,10:0.0}{stats.P99,10:0.0}{stats.Max,10:0.0}");
        }
        var violations = clients.SelectMany(c => c.Violations.Select(v => (c.Name, v))).ToList();
        foreach (var client in clients.Where(c => c.FirstViolationTranscript is not null).Take(3))
        {
            var first = client.Violations[0];
            Console.Out.WriteLine($"--- {client.Name}: {first.Rule}: {Shorten(first.Detail)}\n--- its last lines up to that violation (C: sent, S: received)" +
                $"\n{client.FirstViolationTranscript}\n---");
        }
        if (differing.Count > 0) Console.Out.WriteLine($"VIOLATION clients-differ: {string.Join(", ", differing)} see other messages than a new session");
        foreach (var group in violations.GroupBy(v => v.v.Rule).OrderByDescending(g => g.Count()))
            Console.Out.WriteLine($"VIOLATION {group.Key}: {group.Count()} in {group.Select(v => v.Name).Distinct().Count()} clients " +
                $"(first: {group.First().Name}: {Shorten(group.First().v.Detail)})");
        // Server errors: the server's own fault rather than a broken ordering rule.
        var serverErrors = violations.Count(v => v.v.Rule is "serverbug" or "bad" or "connection-dropped");
        var ok = violations.Count == 0 && differing.Count == 0;
        Console.Out.WriteLine((ok ? "RESULT imap-stress PASS" : "RESULT imap-stress FAIL") +
            $" violations={violations.Count + differing.Count} server_errors={serverErrors} commands={total} per_second={total / Math.Max(seconds, 0.001):0}");
        return ok ? ExitCodes.Ok : ExitCodes.Lost;
    }

    private static string Shorten(string detail) => detail.Length <= 300 ? detail : detail[..300] + "…";

    /// <summary>A new session's view of the mailbox: SELECT INBOX, then every uid and its flags.</summary>
    private static async Task<List<(long Uid, HashSet<string> Flags)>> FreshSelectAsync(IPEndPoint target, string user, string password)
    {
        var fresh = new List<(long Uid, HashSet<string> Flags)>();
        await using var connection = await StressConnection.ConnectAsync(target);
        await connection.ReadResponseAsync();
        foreach (var line in new[] { $"f1 LOGIN \"{user}\" \"{password}\"", "f2 SELECT INBOX", "f3 UID FETCH 1:* (FLAGS)", "f4 LOGOUT" })
        {
            await connection.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            var tag = line[..2];
            while (await connection.ReadResponseAsync() is { } response && !response.Text.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                if (tag == "f3" && FetchedFlags().Match(response.Text) is { Success: true } fetch)
                    fresh.Add((long.Parse(fetch.Groups[1].ValueSpan, CultureInfo.InvariantCulture),
                        fetch.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                            .Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)).ToHashSet(StringComparer.OrdinalIgnoreCase)));
            }
        }
        return fresh;
    }

    /// <summary>The second folder COPY and MOVE use; made once before the clients start.</summary>
    private static async Task PrepareAsync(IPEndPoint target, string user, string password)
    {
        await using var connection = await StressConnection.ConnectAsync(target);
        await connection.ReadResponseAsync();
        foreach (var line in new[] { $"p1 LOGIN \"{user}\" \"{password}\"", "p2 CREATE StressOther", "p3 LOGOUT" })
        {
            await connection.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            var tag = line[..2];
            while (await connection.ReadResponseAsync() is { } response && !response.Text.StartsWith(tag + " ", StringComparison.Ordinal)) { }
        }
    }

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*\bUID (\d+))(?=.*\bFLAGS \(([^)]*)\))")]
    private static partial Regex FetchedFlags();
}
