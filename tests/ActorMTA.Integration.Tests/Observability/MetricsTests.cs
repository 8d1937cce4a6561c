using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// actormta.metrics over a real server: a real HTTP client scrapes /metrics while mail flows in and out, and the
/// counters match what the clients and receivers saw; Debian's promtool accepts the text.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MetricsTests(ITestOutputHelper output)
{
    private static readonly TestUser Sender = TestUser.Local("metrics-sender");

    [Fact]
    public async Task Scraped_counters_match_the_mail_sent_and_promtool_accepts_them()
    {
        var port = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("ok.metrics.test", "127.0.0.115", MxName: "mx.ok-metrics.test"), new RemoteDomain("no.metrics.test", "127.0.0.116", MxName: "mx.no-metrics.test")],
            [Sender], overrides: $"actormta.metrics {{ enabled = on, port = {port} }}");
        var refusing = bed.Receiver("127.0.0.116");
        refusing.Mode = ReceiverMode.Scripted;
        refusing.DefaultOutcome = ScriptedOutcome.RejectRecipients(550, "5.1.1 No such user here");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // An IMAP client connected while we scrape: one open IMAP session.
        using var imap = new TcpClient();
        await imap.ConnectAsync("127.0.0.1", bed.Server.Ports.Imap);
        var greeting = new byte[256];
        await imap.GetStream().ReadAsync(greeting);

        var mail = Enumerable.Range(0, 40)
            .Select(i => i % 4 == 3 ? $"u{i}@no.metrics.test" : $"u{i}@ok.metrics.test")
            .Select((to, i) => (to, DeliveryTestBed.Message(Sender.Address, to, $"metrics-{i:D2}-{Guid.NewGuid():N}")))
            .ToList();
        var scrapes = 0;
        using var stop = new CancellationTokenSource();
        // Scraped all through the run, as Prometheus would, to show the endpoint answers under load.
        var scraping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
                scrapes++;
                await Task.Delay(100);
            }
        });
        await bed.SubmitManyAsync(Sender, mail, sessions: 4);
        await bed.Receiver("127.0.0.115").WaitForMessagesAsync(30, TimeSpan.FromSeconds(60));
        await WaitAsync(async () => Value(await http.GetStringAsync("/metrics"), "actormta_deliveries_total", "outcome=\"bounced\",site=\"mx.no-metrics.test\",provider=\"none\",source=\"default\"") >= 10, "the bounces counted");
        // Every message left the queues once delivered, or bounced and its bounce stored.
        await WaitAsync(async () => Value(await http.GetStringAsync("/metrics"), "actormta_queue_messages", null) == 0, "empty queues");
        await stop.CancelAsync();
        await scraping;

        var text = await http.GetStringAsync("/metrics");
        output.WriteLine($"{scrapes} scrapes during the run; last:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("actormta_", StringComparison.Ordinal) && !l.Contains("_bucket")))}");
        Assert.True(scrapes >= 3, $"{scrapes} scrapes");
        Assert.Equal(40, Value(text, "actormta_messages_received_total", "protocol=\"smtp\""));
        Assert.Equal(30, Value(text, "actormta_deliveries_total", "outcome=\"delivered\",site=\"mx.ok-metrics.test\",provider=\"none\",source=\"default\""));
        Assert.Equal(10, Value(text, "actormta_deliveries_total", "outcome=\"bounced\",site=\"mx.no-metrics.test\",provider=\"none\",source=\"default\""));
        Assert.Equal(1, Value(text, "actormta_sessions", "protocol=\"imap\""));
        Assert.True(Value(text, "process_working_set_bytes", null) > 0);
        // One lookup per domain at least (more when its cache entry expired, dnsmasq's TTL being 1 s), none failed.
        Assert.True(Value(text, "actormta_dns_mx_lookups_total", "result=\"ok\"") >= 2);
        Assert.Equal(0, Value(text, "actormta_dns_mx_lookups_total", "result=\"temporary\""));
        // Every acknowledged message's content was committed once; journal batches were written.
        Assert.Equal(40, Value(text, "actormta_spool_commit_seconds_count", null));
        Assert.True(Value(text, "actormta_journal_write_seconds_count", null) > 0);
        // The entities this node hosts: the two domain queues (not passivated this soon) and the sender's mailbox (bounces).
        Assert.True(Value(text, "actormta_shard_entities", "kind=\"domain_queue\"") >= 2);
        Assert.True(Value(text, "actormta_shard_entities", "kind=\"mailbox\"") >= 1);
        Assert.Equal(404, (int)(await http.GetAsync("/other")).StatusCode);

        // `ctl metrics` reads the same figures over the admin endpoint, and `ctl top` shows them frame by frame.
        Assert.Contains("actormta_messages_received_total{protocol=\"smtp\"} 40\n", bed.Ctl("metrics"));
        var top = bed.Ctl("top", "--count", "2", "--interval", "300ms");
        output.WriteLine(top);
        Assert.Equal(2, Regex.Matches(top, "actormta top").Count);
        Assert.Matches(@"received smtp\W+40\W+0\.0\W", top);
        Assert.Matches(@"delivered\W+30\W", top);
        Assert.Matches(@"bounced\W+10\W", top);
        Assert.Matches(@"imap sessions\W+1\W", top);

        // Every series the shipped Grafana dashboard queries is one this endpoint exports.
        var dashboard = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(
            Path.Combine(RepositoryLayout.RootDirectory, "cluster", "deploy", "grafana", "actormta-dashboard.json")))!;
        var queried = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => t!["expr"]!.GetValue<string>())
            .SelectMany(e => Regex.Matches(e, @"\b(actormta|process|dotnet)_[a-z_]+").Select(m => m.Value)).Distinct().ToList();
        Assert.True(queried.Count >= 8, $"{queried.Count} series in the dashboard");
        foreach (var series in queried)
            Assert.True(text.Contains("\n" + series + "{", StringComparison.Ordinal) || text.Contains("\n" + series + " ", StringComparison.Ordinal),
                $"the dashboard queries {series}, which /metrics does not export");

        await DebianPackage.EnsureInstalledAsync("prometheus", () => Task.FromResult(File.Exists("/usr/bin/promtool")));
        var psi = new System.Diagnostics.ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var promtool = System.Diagnostics.Process.Start(psi)!;
        await promtool.StandardInput.WriteAsync(text);
        promtool.StandardInput.Close();
        var said = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, $"promtool check metrics: exit {promtool.ExitCode}: {said}");
    }

    /// <summary>The value of NAME{LABELS} (or NAME alone); 0 when the series is absent.</summary>
    private static double Value(string text, string name, string? labels)
    {
        var series = labels is null ? name : $"{name}{{{labels}}}";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
