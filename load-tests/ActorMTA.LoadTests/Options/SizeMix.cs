using System.Globalization;

namespace ActorMTA.LoadTests;

/// <summary>
/// Message sizes and their weights: `--size 2048` is one size; `--size-mix 2048:70,20480:25,1048576:5`
/// sends 70 % 2 KiB, 25 % 20 KiB and 5 % 1 MiB messages (weights are relative, they need not add
/// up to 100). The size of message n is chosen by a golden-ratio sequence over n, so every run and
/// every prefix of a run has the mix's proportions, without a random generator.
/// </summary>
internal sealed class SizeMix
{
    private const double GoldenRatioFraction = 0.6180339887498949;
    private readonly double[] _cumulative;

    private SizeMix(IReadOnlyList<(int Size, double Weight)> entries)
    {
        Sizes = entries.Select(e => e.Size).ToArray();
        var total = entries.Sum(e => e.Weight);
        _cumulative = new double[entries.Count];
        var sum = 0.0;
        for (var i = 0; i < entries.Count; i++)
        {
            sum += entries[i].Weight / total;
            _cumulative[i] = sum;
        }
        _cumulative[^1] = 1.0;
    }

    /// <summary>The distinct sizes, in the order given; <see cref="IndexFor"/> returns an index into it.</summary>
    public IReadOnlyList<int> Sizes { get; }

    public static SizeMix Single(int size) => new([(size, 1.0)]);

    /// <summary>Parses `SIZE:WEIGHT,SIZE:WEIGHT...` (sizes may be written 20k / 1m). Null with an error message when wrong.</summary>
    public static SizeMix? TryParse(string text, out string? error)
    {
        error = null;
        var entries = new List<(int, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':');
            if (colon <= 0)
            {
                error = $"'{part}' is not SIZE:WEIGHT";
                return null;
            }
            if (!ValueParsers.TryParseSize(part[..colon], out var size) || size < 1 || size > int.MaxValue)
            {
                error = $"'{part[..colon]}' is not a size in bytes (1 to 2 GiB)";
                return null;
            }
            if (!double.TryParse(part[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !(weight > 0) || double.IsInfinity(weight))
            {
                error = $"'{part[(colon + 1)..]}' is not a positive weight";
                return null;
            }
            if (entries.Any(e => e.Item1 == size))
            {
                error = $"size {size} is listed twice";
                return null;
            }
            entries.Add(((int)size, weight));
        }
        return new SizeMix(entries);
    }

    public int IndexFor(long sequence)
    {
        var x = sequence * GoldenRatioFraction;
        x -= Math.Floor(x);
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (x < _cumulative[i]) return i;
        }
        return _cumulative.Length - 1;
    }

    public int SizeFor(long sequence) => Sizes[IndexFor(sequence)];

    public override string ToString() =>
        Sizes.Count == 1
            ? Sizes[0].ToString(CultureInfo.InvariantCulture)
            : string.Join(",", Sizes.Select((s, i) => $"{s}:{(_cumulative[i] - (i == 0 ? 0 : _cumulative[i - 1])) * 100:0.##}"));
}
