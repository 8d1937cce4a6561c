using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// Reading helpers shared by the shaping and egress settings. Keys of domain maps are read from the HOCON object
/// itself, not as paths, because "example.com" is one key and not two levels.
/// </summary>
internal static class HoconReading
{
    /// <summary>The members of the object at <paramref name="path"/>, in the order the configuration lists them.</summary>
    public static List<KeyValuePair<string, HoconValue>> Members(Config c, string path, string fullPath)
    {
        if (!c.HasPath(path)) return [];
        var value = c.GetValue(path);
        if (value is null) return [];
        if (!value.IsObject()) throw new ConfigurationException($"{fullPath} must be an object");
        return Members(value);
    }

    public static List<KeyValuePair<string, HoconValue>> Members(HoconValue value) =>
        value.GetObject().Items.Select(kv => new KeyValuePair<string, HoconValue>(Unquote(kv.Key), kv.Value)).ToList();

    /// <summary>A HOCON object as a Config of its own, so its keys read with the usual typed getters.</summary>
    public static Config AsConfig(HoconValue value, string fullPath)
    {
        if (!value.IsObject()) throw new ConfigurationException($"{fullPath} must be an object");
        return new Config(new HoconRoot(value));
    }

    /// <summary>The keys of an object, so that a misspelt key fails at start-up instead of silently not limiting anything.</summary>
    public static void RejectUnknownKeys(HoconValue value, IReadOnlySet<string> known, string fullPath)
    {
        foreach (var key in value.GetObject().Items.Keys.Select(Unquote))
            if (!known.Contains(key))
                throw new ConfigurationException($"{fullPath}.{key}: unknown key (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
    }

    public static string Unquote(string key) => key.Length >= 2 && key[0] == '"' && key[^1] == '"' ? key[1..^1] : key;

    public static string NormalizeDomain(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}
