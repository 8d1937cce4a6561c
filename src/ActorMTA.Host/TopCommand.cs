using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorMTA.Host;

/// <summary>
/// `actormta ctl top`: polls the node's `ctl metrics` every interval and shows what moves (messages received,
/// outcomes, lookups per second), what stands (queued messages, open sessions and connections) and the mean
/// commit and journal latencies of the interval. Live in a terminal (Spectre.Console) until Ctrl-C; with --count,
/// or when the output is not a terminal, that many frames one after the other.
/// </summary>
public static class TopCommand
{
    public static async Task<int> RunAsync(string dataDirectory, string? node, string? token, TimeSpan interval, int? count)
    {
        if (interval < TimeSpan.FromMilliseconds(100)) throw new UsageException("--interval must be at least 100ms");
        if (count is < 1) throw new UsageException("--count must be 1 or more");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var previous = (Data: await ControlClient.QueryAsync(["metrics"], dataDirectory, node, token, stop.Token), At: Stopwatch.GetTimestamp());

        async Task<IRenderable?> NextFrameAsync()
        {
            try
            {
                await Task.Delay(interval, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            var now = (Data: await ControlClient.QueryAsync(["metrics"], dataDirectory, node, token, stop.Token), At: Stopwatch.GetTimestamp());
            var frame = Frame(previous.Data, now.Data, Stopwatch.GetElapsedTime(previous.At, now.At));
            previous = now;
            return frame;
        }

        if (count is null && !Console.IsOutputRedirected)
        {
            await AnsiConsole.Live(new Text("actormta top: first figures in " + interval.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"))
                .StartAsync(async live =>
                {
                    while (await NextFrameAsync() is { } frame)
                    {
                        live.UpdateTarget(frame);
                        live.Refresh();
                    }
                });
            return 0;
        }
        for (var i = 0; i < (count ?? int.MaxValue); i++)
        {
            if (await NextFrameAsync() is not { } frame) break;
            AnsiConsole.Write(frame);
        }
        return 0;
    }

    /// <summary>One frame: the figures of <paramref name="now"/> and their change since <paramref name="before"/>.</summary>
    public static Table Frame(JsonObject before, JsonObject now, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var table = new Table().Title($"actormta top ({DateTime.UtcNow:HH:mm:ss} UTC, every {seconds:0.#} s)")
            .AddColumn("figure").AddColumn(new TableColumn("total").RightAligned()).AddColumn(new TableColumn("per second").RightAligned());
        void Rate(string label, string name, string? withLabel = null)
        {
            var total = Sum(now, name, withLabel);
            table.AddRow(label, Number(total), ((total - Sum(before, name, withLabel)) / seconds).ToString("0.0", CultureInfo.InvariantCulture));
        }
        void Level(string label, string name, string? withLabel = null) => table.AddRow(label, Number(Sum(now, name, withLabel)), "");
        void Latency(string label, string name)
        {
            var count = Sum(now, name + "_count") - Sum(before, name + "_count");
            var sum = Sum(now, name + "_sum") - Sum(before, name + "_sum");
            table.AddRow(label, count > 0 ? (sum / count * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-",
                (count / seconds).ToString("0.0", CultureInfo.InvariantCulture));
        }

        Rate("received smtp", "actormta_messages_received_total", "protocol=\"smtp\"");
        Rate("received http", "actormta_messages_received_total", "protocol=\"http\"");
        foreach (var outcome in new[] { "delivered", "deferred", "bounced", "expired" })
            Rate(outcome, "actormta_deliveries_total", $"outcome=\"{outcome}\"");
        Level("queued messages", "actormta_queue_messages");
        foreach (var protocol in new[] { "smtp", "imap", "pop3" })
            Level($"{protocol} sessions", "actormta_sessions", $"protocol=\"{protocol}\"");
        Level("outbound connections", "actormta_outbound_connections");
        Latency("spool commit (mean)", "actormta_spool_commit_seconds");
        Latency("journal write (mean)", "actormta_journal_write_seconds");
        Rate("mx lookups failed", "actormta_dns_mx_lookups_total", "result=\"temporary\"");
        return table;
    }

    /// <summary>The sum of a series over its label sets, or over those that carry <paramref name="withLabel"/>.</summary>
    private static double Sum(JsonObject data, string name, string? withLabel = null) =>
        data.Where(p => (p.Key == name || p.Key.StartsWith(name + "{", StringComparison.Ordinal))
                        && (withLabel is null || p.Key.Contains(withLabel, StringComparison.Ordinal)))
            .Sum(p => p.Value?.GetValue<double>() ?? 0);

    private static string Number(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
