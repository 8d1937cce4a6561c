using System.Globalization;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A rate such as "50/s", "3000/min" or "100/h": <see cref="Count"/> events per <see cref="Per"/>.
/// Kept as written rather than as a per-second double so that `ctl` prints what the operator wrote, and so that
/// "1/h" does not turn into 0.000277.../s.
/// </summary>
public readonly record struct ShapingRate(long Count, TimeSpan Per)
{
    /// <summary>No limit. A value rather than null so that a domain entry can lift a limit its provider sets.</summary>
    public static readonly ShapingRate Unlimited = new(long.MaxValue, TimeSpan.FromSeconds(1));

    public bool IsUnlimited => Count == long.MaxValue;

    public double PerSecond => IsUnlimited ? double.PositiveInfinity : Count / Per.TotalSeconds;

    /// <summary>Whether this rate lets fewer events through than <paramref name="other"/>.</summary>
    public bool IsSlowerThan(ShapingRate other) =>
        !IsUnlimited && (other.IsUnlimited || (double)Count * other.Per.Ticks < (double)other.Count * Per.Ticks);

    public override string ToString() => IsUnlimited ? "unlimited" : $"{Count}/{UnitName(Per)}";

    private static readonly Dictionary<string, TimeSpan> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        ["s"] = TimeSpan.FromSeconds(1), ["sec"] = TimeSpan.FromSeconds(1), ["second"] = TimeSpan.FromSeconds(1),
        ["m"] = TimeSpan.FromMinutes(1), ["min"] = TimeSpan.FromMinutes(1), ["minute"] = TimeSpan.FromMinutes(1),
        ["h"] = TimeSpan.FromHours(1), ["hr"] = TimeSpan.FromHours(1), ["hour"] = TimeSpan.FromHours(1),
        ["d"] = TimeSpan.FromDays(1), ["day"] = TimeSpan.FromDays(1),
    };

    /// <summary>
    /// Parses "N/unit" (unit s, min, h or d, long forms accepted). <paramref name="key"/> names the setting in the
    /// error, because a bad rate is found at start-up and the operator needs to know which line to fix.
    /// </summary>
    public static ShapingRate Parse(string text, string key)
    {
        if (string.Equals(text?.Trim(), "unlimited", StringComparison.OrdinalIgnoreCase)) return Unlimited;
        var parts = (text ?? "").Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !Units.TryGetValue(parts[1], out var per))
            throw new FormatException($"{key}: '{text}' is not a rate (expected N/s, N/min, N/h, N/d or unlimited, e.g. \"50/s\")");
        if (count < 1)
            throw new FormatException($"{key}: '{text}' must allow at least 1 (leave the key out, or write unlimited, for no limit)");
        return new ShapingRate(count, per);
    }

    private static string UnitName(TimeSpan per) =>
        per == TimeSpan.FromSeconds(1) ? "s"
        : per == TimeSpan.FromMinutes(1) ? "min"
        : per == TimeSpan.FromHours(1) ? "h"
        : per == TimeSpan.FromDays(1) ? "d"
        : $"{per.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}
