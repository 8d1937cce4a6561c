using System.Globalization;
using ActorMTA.Storage.Space;
using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>The free-space keys of actormta.storage: min-free-space, reserved-space, free-space-check-interval.</summary>
public static class StorageSpaceSettings
{
    public static StorageSpaceOptions FromConfig(Config root, ServerSettings settings)
    {
        var c = root.GetConfig("actormta.storage") ?? throw new ConfigurationException("missing actormta.storage section");
        var minFree = c.GetString("min-free-space", "auto");
        var journalDirectory = Path.GetDirectoryName(Path.GetFullPath(settings.JournalFile))!;
        var interval = c.GetTimeSpan("free-space-check-interval", TimeSpan.FromSeconds(1));
        if (interval <= TimeSpan.Zero) throw new ConfigurationException("actormta.storage.free-space-check-interval must be positive");
        return new StorageSpaceOptions(
            [settings.SpoolDirectory, journalDirectory],
            Path.Combine(journalDirectory, "reserved-space"),
            string.Equals(minFree.Trim(), "auto", StringComparison.OrdinalIgnoreCase) ? null : ParseBytes(minFree, "min-free-space"),
            ParseBytes(c.GetString("reserved-space", "8MiB"), "reserved-space"),
            interval);
    }

    /// <summary>"268435456", "256MiB", "256M", "1GiB", "512KiB": bytes.</summary>
    public static long ParseBytes(string text, string key)
    {
        var s = text.Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits])) digits++;
        if (digits == 0 || !long.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new ConfigurationException($"actormta.storage.{key}: '{text}' is not a size (e.g. 256MiB)");
        long unit = s[digits..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1024,
            "M" or "MB" or "MIB" => 1024 * 1024,
            "G" or "GB" or "GIB" => 1024L * 1024 * 1024,
            _ => throw new ConfigurationException($"actormta.storage.{key}: unknown unit in '{text}' (B, KiB, MiB, GiB)"),
        };
        return checked(value * unit);
    }
}
