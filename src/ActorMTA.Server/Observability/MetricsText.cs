using System.Globalization;
using Prometheus;

namespace ActorMTA.Server.Observability;

/// <summary>The node's own series read back from prometheus-net's default registry, for `ctl metrics` and `ctl top`.</summary>
public static class MetricsText
{
    /// <summary>Every actormta_* sample ("name{labels}" to value) except histogram buckets, in export order.</summary>
    public static async Task<IReadOnlyList<KeyValuePair<string, double>>> ActorMtaSeriesAsync(CancellationToken ct = default)
    {
        using var buffer = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer, ct);
        return Parse(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>The actormta_* samples of a Prometheus text exposition, buckets left out.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> Parse(string text)
    {
        var samples = new List<KeyValuePair<string, double>>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("actormta_", StringComparison.Ordinal) || line.Contains("_bucket{", StringComparison.Ordinal)) continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                samples.Add(new(line[..space], value));
        }
        return samples;
    }
}
