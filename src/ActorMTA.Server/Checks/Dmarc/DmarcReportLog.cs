using System.Net;
using System.Text.Json;

namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// The data for DMARC aggregate reports (RFC 7489 section 7.2): per policy domain, message counts by
/// <see cref="DmarcReportKey"/>. In memory and thread-safe; a lock guards it because recording is a dictionary
/// increment, far cheaper than the DNS and crypto work before it. <see cref="AppendJsonLinesAsync"/> keeps a
/// snapshot on disk so a restart between report runs does not lose the period.
/// </summary>
public sealed class DmarcReportLog
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private Dictionary<(string Domain, DmarcReportKey Key), long> _counts = new();
    private Dictionary<string, DmarcRecord> _published = new(StringComparer.OrdinalIgnoreCase);
    private DateTimeOffset _begin;

    public DmarcReportLog(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _begin = _time.GetUtcNow();
    }

    /// <summary>
    /// Counts one evaluated message. Outcomes without a usable record (none, temperror, permerror) are about no
    /// domain that asked for reports and are skipped. <paramref name="disposition"/> and
    /// <paramref name="policyOverride"/> are for a caller whose local policy did something other than
    /// <see cref="DmarcOutcome.AppliedPolicy"/> (a trusted ARC forwarder, say); a pct= sample-out is noted by itself.
    /// </summary>
    public void Record(DmarcOutcome outcome, IPAddress source, DmarcPolicy? disposition = null, string? policyOverride = null)
    {
        if (outcome.PolicyDomain is null || outcome.Record is null) return;
        var key = new DmarcReportKey(
            source.ToString(),
            disposition ?? outcome.AppliedPolicy,
            outcome.DkimAligned,
            outcome.SpfAligned,
            outcome.AuthorDomain,
            policyOverride ?? (outcome.SampledOut ? "sampled_out" : null));
        Record(outcome.PolicyDomain, key, outcome.Record);
    }

    public void Record(string policyDomain, DmarcReportKey key, DmarcRecord? published = null)
    {
        var domain = policyDomain.ToLowerInvariant();
        lock (_gate)
        {
            _counts[(domain, key)] = _counts.GetValueOrDefault((domain, key)) + 1;
            if (published is not null) _published[domain] = published;
        }
    }

    /// <summary>The counts so far; with <paramref name="reset"/>, also starts a new period (what a report run wants).</summary>
    public DmarcReportSnapshot Snapshot(bool reset = false)
    {
        Dictionary<(string Domain, DmarcReportKey Key), long> counts;
        Dictionary<string, DmarcRecord> published;
        DateTimeOffset begin;
        var end = _time.GetUtcNow();
        lock (_gate)
        {
            begin = _begin;
            if (reset)
            {
                (counts, published) = (_counts, _published);
                _counts = new();
                _published = new(StringComparer.OrdinalIgnoreCase);
                _begin = end;
            }
            else
            {
                counts = new(_counts);
                published = new(_published, StringComparer.OrdinalIgnoreCase);
            }
        }

        var rows = counts
            .Select(c => new DmarcReportRow(c.Key.Domain, c.Key.Key, c.Value))
            .OrderBy(r => r.PolicyDomain, StringComparer.Ordinal)
            .ThenBy(r => r.Key.SourceIp, StringComparer.Ordinal)
            .ThenBy(r => r.Key.HeaderFrom, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Disposition)
            .ToList();
        return new DmarcReportSnapshot(begin, end, rows, published);
    }

    private static readonly SemaphoreSlim AppendGate = new(1, 1);

    /// <summary>
    /// Appends a snapshot to <c>dmarc-yyyyMMdd.jsonl</c> (UTC date of its end) in <paramref name="directory"/>, one JSON
    /// object per row carrying its period and the domain's published policy, so a file can be re-aggregated alone.
    /// Appends within this process are serialized; returns the file written.
    /// </summary>
    public static async Task<string> AppendJsonLinesAsync(string directory, DmarcReportSnapshot snapshot, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"dmarc-{snapshot.End.UtcDateTime:yyyyMMdd}.jsonl");
        using var buffer = new MemoryStream();
        foreach (var row in snapshot.Rows)
        {
            WriteRow(buffer, snapshot, row);
            buffer.WriteByte((byte)'\n');
        }

        await AppendGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, useAsync: true);
            buffer.Position = 0;
            await buffer.CopyToAsync(file, ct).ConfigureAwait(false);
        }
        finally
        {
            AppendGate.Release();
        }

        return path;
    }

    private static void WriteRow(Stream stream, DmarcReportSnapshot snapshot, DmarcReportRow row)
    {
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("policy_domain", row.PolicyDomain);
        json.WriteNumber("begin", snapshot.Begin.ToUnixTimeSeconds());
        json.WriteNumber("end", snapshot.End.ToUnixTimeSeconds());
        json.WriteString("source_ip", row.Key.SourceIp);
        json.WriteNumber("count", row.Count);
        json.WriteString("disposition", Name(row.Key.Disposition));
        json.WriteString("dkim", row.Key.DkimAligned ? "pass" : "fail");
        json.WriteString("spf", row.Key.SpfAligned ? "pass" : "fail");
        json.WriteString("header_from", row.Key.HeaderFrom);
        if (row.Key.PolicyOverride is { } reason) json.WriteString("override", reason);
        if (snapshot.Published.TryGetValue(row.PolicyDomain, out var record))
        {
            json.WriteString("p", Name(record.Policy));
            if (record.SubdomainPolicy is { } sp) json.WriteString("sp", Name(sp));
            json.WriteNumber("pct", record.Percent);
            json.WriteString("adkim", record.DkimAlignment == DmarcAlignment.Strict ? "s" : "r");
            json.WriteString("aspf", record.SpfAlignment == DmarcAlignment.Strict ? "s" : "r");
            json.WriteStartArray("rua");
            foreach (var uri in record.AggregateUris) json.WriteStringValue(uri);
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static string Name(DmarcPolicy policy) => policy.ToString().ToLowerInvariant();
}
