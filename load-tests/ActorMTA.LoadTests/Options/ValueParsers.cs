using System.Globalization;

namespace ActorMTA.LoadTests;

/// <summary>Durations (`500ms`, `30s`, `2m`, `1h`, a bare number = seconds) and byte sizes (`2048`, `20k`, `1MiB`).</summary>
internal static class ValueParsers
{
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        var (number, unit) = Split(text);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsNaN(n)) return false;
        double? seconds = unit.ToLowerInvariant() switch
        {
            "" or "s" or "sec" => n,
            "ms" => n / 1000,
            "m" or "min" => n * 60,
            "h" => n * 3600,
            _ => null,
        };
        if (seconds is not { } s || s > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(s);
        return true;
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var (number, unit) = Split(text.Trim());
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        long? factor = unit.ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1024,
            "m" or "mb" or "mib" => 1024 * 1024,
            _ => null,
        };
        if (factor is not { } f || n > long.MaxValue / f) return false;
        bytes = n * f;
        return true;
    }

    private static (string Number, string Unit) Split(string text)
    {
        var i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
        return (text[..i], text[i..]);
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 10L * 1024 * 1024 * 1024 => $"{bytes / (1024.0 * 1024 * 1024):F1} GiB",
        >= 10L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):F1} MiB",
        >= 10L * 1024 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
