using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Imap.Stress;

namespace ActorMTA.LoadTests.Commands;

/// <summary>
/// `actormta-load imap-stress`: N clients on one mailbox, random pipelined commands, every response checked against
/// each client's model of its view (<see cref="StressViewChecker"/>), then a quiesce phase comparing every view with a
/// fresh fetch and with each other. Exit 0 with no violation, 1 with any.
/// </summary>
internal static class ImapStressCommand
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

        await PrepareAsync(target, user, password);
        var contents = new ConcurrentDictionary<string, byte[]>();
        var clients = Enumerable.Range(1, count).Select(i => new StressClient(i, target, user, password, depth, seed * 1000 + i, contents)).ToList();
        await Task.WhenAll(clients.Select(c => c.StartAsync()));
        Console.Out.WriteLine($"imap-stress {target}: {count} clients, depth {depth}, {duration.TotalSeconds:0} s, seed {seed}");

        using var stop = new CancellationTokenSource(duration);
        var started = DateTime.UtcNow;
        var running = Task.WhenAll(clients.Select(c => c.RunAsync(stop.Token)));
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5)));
            var elapsed = (DateTime.UtcNow - started).TotalSeconds;
            Console.Out.WriteLine($"  {elapsed,5:0} s  {clients.Sum(c => c.Commands),8} commands  {clients.Sum(c => c.Violations.Count)} violations");
        }
        await running;
        var seconds = (DateTime.UtcNow - started).TotalSeconds;

        // Quiesce: every change made; let pushes arrive, then every view must match a fresh fetch and each other.
        await Task.Delay(500);
        foreach (var client in clients) await client.QuiesceAsync();
        var reference = clients[0].Fresh;
        var differing = clients.Where(c => !c.Fresh.Select(f => f.Uid).SequenceEqual(reference.Select(f => f.Uid))).Select(c => c.Name).ToList();
        await Task.WhenAll(clients.Select(c => c.LogoutAsync()));

        var total = clients.Sum(c => c.Commands);
        Console.Out.WriteLine($"commands: {total} in {seconds:0.0} s ({total / Math.Max(seconds, 0.001):0} per second), messages at the end: {reference.Count}");
        foreach (var name in clients.SelectMany(c => c.Latencies.Keys).Distinct().Order())
        {
            var all = clients.SelectMany(c => c.Latencies.TryGetValue(name, out var l) ? l : []).Order().ToList();
            Console.Out.WriteLine($"  {name,-10} {all.Count,7}  p50 {Percentile(all, 0.50),7:0.0} ms  p99 {Percentile(all, 0.99),7:0.0} ms");
        }
        var violations = clients.SelectMany(c => c.Violations.Select(v => (c.Name, v))).ToList();
        foreach (var client in clients.Where(c => c.FirstViolationTranscript is not null).Take(2))
            Console.Out.WriteLine($"--- {client.Name} transcript up to its first violation ---\n{client.FirstViolationTranscript}\n---");
        if (differing.Count > 0) Console.Out.WriteLine($"VIOLATION clients-differ: {string.Join(", ", differing)} see other messages than client-1");
        foreach (var group in violations.GroupBy(v => v.v.Rule))
            Console.Out.WriteLine($"VIOLATION {group.Key}: {group.Count()} (first: {group.First().Name}: {group.First().v.Detail})");
        var ok = violations.Count == 0 && differing.Count == 0;
        Console.Out.WriteLine(ok ? "RESULT imap-stress PASS violations=0" : $"RESULT imap-stress FAIL violations={violations.Count + differing.Count}");
        return ok ? ExitCodes.Ok : ExitCodes.Lost;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

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
}
