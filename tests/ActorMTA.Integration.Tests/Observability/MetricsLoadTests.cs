using System.Globalization;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.Integration.Tests.LoadTool;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// /metrics scraped with a real HTTP client while the load tool (actormta-load) drives SMTP sessions: the figures move
/// during the run, and at its end the received and committed counts equal the messages the load tool saw acknowledged.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MetricsLoadTests(ITestOutputHelper output)
{
    private const string Password = "metrics-load-S3cret";

    [Fact]
    public async Task Counters_scraped_during_a_load_run_match_the_load_tools_own_counts()
    {
        var port = ServerPorts.PickOne();
        var users = Enumerable.Range(0, 4).Select(i => new TestUser($"mload{i}@{ServerProcess.Domain}", Password)).ToList();
        await using var server = await ServerProcess.StartAsync($$"""
            actormta.metrics { enabled = on, port = {{port}} }
            actormta.smtp.max-connections-per-ip = 1000
            """, users);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var during = new List<(double Received, double Sessions)>();
        using var stop = new CancellationTokenSource();
        var scraping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = await http.GetStringAsync("/metrics");
                lock (during) during.Add((Value(text, "actormta_messages_received_total{protocol=\"smtp\"}"), Value(text, "actormta_sessions{protocol=\"smtp\"}")));
                await Task.Delay(50);
            }
        });
        var json = Path.Combine(Path.GetTempPath(), $"actormta-metrics-load-{Guid.NewGuid():N}.json");
        try
        {
            var result = await LoadToolProcess.RunAsync(TimeSpan.FromMinutes(3),
                "smtp", "--port", server.Ports.Smtp.ToString(CultureInfo.InvariantCulture), "--sessions", "20", "--messages", "1500",
                "--rcpt", "mload{n}@" + ServerProcess.Domain, "--users", "4", "--json", json);
            Assert.True(result.ExitCode == 0, result.ToString());
            await stop.CancelAsync();
            await scraping;

            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var acknowledged = summary.RootElement.GetProperty("messages_acknowledged").GetInt64();
            var final = await http.GetStringAsync("/metrics");
            output.WriteLine($"load tool: {acknowledged} acknowledged; {during.Count} scrapes during the run");
            Assert.Equal(1500, acknowledged);
            Assert.Equal(acknowledged, Value(final, "actormta_messages_received_total{protocol=\"smtp\"}"));
            Assert.Equal(acknowledged, Value(final, "actormta_spool_commit_seconds_count"));
            // Seen moving: a scrape in the middle of the run had some but not all of the messages, with sessions open.
            Assert.Contains(during, d => d.Received > 0 && d.Received < acknowledged && d.Sessions > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal)) return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        return 0;
    }
}
