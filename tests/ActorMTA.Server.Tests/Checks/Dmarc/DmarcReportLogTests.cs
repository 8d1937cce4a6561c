using System.Net;
using System.Text.Json;
using ActorMTA.Server.Checks.Dmarc;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dmarc;

public sealed class DmarcReportLogTests
{
    private static readonly DmarcRecord Reject = DmarcRecord.Parse("v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com", out _)!;

    private static DmarcOutcome Outcome(DmarcResult result, DmarcPolicy applied, bool dkim, bool spf, string author = "example.com", bool sampledOut = false) =>
        new(result, applied, DmarcPolicy.Reject, author, "example.com", spf, dkim, Reject.AggregateUris) { Record = Reject, SampledOut = sampledOut };

    [Fact]
    public void Counts_by_source_disposition_alignment_and_header_from()
    {
        var log = new DmarcReportLog();
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("2001:db8::1");

        log.Record(Outcome(DmarcResult.Pass, DmarcPolicy.None, true, false), a);
        log.Record(Outcome(DmarcResult.Pass, DmarcPolicy.None, true, false), a);
        log.Record(Outcome(DmarcResult.Fail, DmarcPolicy.Reject, false, false), b);
        log.Record(Outcome(DmarcResult.Fail, DmarcPolicy.Quarantine, false, false, sampledOut: true), b);
        log.Record(Outcome(DmarcResult.Pass, DmarcPolicy.None, false, true, author: "mail.example.com"), a);
        log.Record(new DmarcOutcome(DmarcResult.None, DmarcPolicy.None, DmarcPolicy.None, "nodmarc.example", null, false, false, []), a);

        var rows = log.Snapshot().Rows;

        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal("example.com", r.PolicyDomain));
        Assert.Contains(rows, r => r.Key == new DmarcReportKey("192.0.2.1", DmarcPolicy.None, true, false, "example.com") && r.Count == 2);
        Assert.Contains(rows, r => r.Key == new DmarcReportKey("2001:db8::1", DmarcPolicy.Reject, false, false, "example.com") && r.Count == 1);
        Assert.Contains(rows, r => r.Key == new DmarcReportKey("2001:db8::1", DmarcPolicy.Quarantine, false, false, "example.com", "sampled_out") && r.Count == 1);
        Assert.Contains(rows, r => r.Key == new DmarcReportKey("192.0.2.1", DmarcPolicy.None, false, true, "mail.example.com") && r.Count == 1);
    }

    [Fact]
    public void Snapshot_with_reset_starts_a_new_period()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new MovableTime(start);
        var log = new DmarcReportLog(time);
        log.Record(Outcome(DmarcResult.Pass, DmarcPolicy.None, true, true), IPAddress.Loopback);
        time.Now = start.AddHours(24);

        var first = log.Snapshot(reset: true);
        var second = log.Snapshot();

        Assert.Equal((start, start.AddHours(24)), (first.Begin, first.End));
        Assert.Single(first.Rows);
        Assert.Same(Reject, first.Published["example.com"]);
        Assert.Empty(second.Rows);
        Assert.Equal(start.AddHours(24), second.Begin);
    }

    [Fact]
    public async Task Concurrent_records_are_all_counted()
    {
        var log = new DmarcReportLog();
        var outcome = Outcome(DmarcResult.Pass, DmarcPolicy.None, true, true);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++) log.Record(outcome, IPAddress.Loopback);
        })));

        Assert.Equal(8000, Assert.Single(log.Snapshot().Rows).Count);
    }

    [Fact]
    public async Task Appends_one_json_line_per_row()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dmarc-log-" + Guid.NewGuid().ToString("N"));
        try
        {
            var time = new MovableTime(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
            var log = new DmarcReportLog(time);
            log.Record(Outcome(DmarcResult.Fail, DmarcPolicy.Quarantine, false, true, sampledOut: true), IPAddress.Parse("192.0.2.7"));
            log.Record(Outcome(DmarcResult.Pass, DmarcPolicy.None, true, true), IPAddress.Parse("192.0.2.8"));

            var path = await DmarcReportLog.AppendJsonLinesAsync(directory, log.Snapshot(), CancellationToken.None);
            await DmarcReportLog.AppendJsonLinesAsync(directory, log.Snapshot(), CancellationToken.None);

            Assert.Equal("dmarc-20250304.jsonl", Path.GetFileName(path));
            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal(4, lines.Length);
            using var first = JsonDocument.Parse(lines[0]);
            var row = first.RootElement;
            Assert.Equal("example.com", row.GetProperty("policy_domain").GetString());
            Assert.Equal("192.0.2.7", row.GetProperty("source_ip").GetString());
            Assert.Equal("quarantine", row.GetProperty("disposition").GetString());
            Assert.Equal("fail", row.GetProperty("dkim").GetString());
            Assert.Equal("pass", row.GetProperty("spf").GetString());
            Assert.Equal("sampled_out", row.GetProperty("override").GetString());
            Assert.Equal("reject", row.GetProperty("p").GetString());
            Assert.Equal(50, row.GetProperty("pct").GetInt32());
            Assert.Equal("mailto:d@example.com", row.GetProperty("rua")[0].GetString());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
