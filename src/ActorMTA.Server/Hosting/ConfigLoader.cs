using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// Loads hocon/actormta.conf (shipped next to the executable) and lays an operator's file over it.
/// </summary>
public static class ConfigLoader
{
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(string? overlayFile)
    {
        var defaults = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(HoconDirectory, "actormta.conf")));
        if (overlayFile is null) return defaults;
        if (!File.Exists(overlayFile)) throw new FileNotFoundException($"config file {overlayFile} not found");
        return ConfigurationFactory.ParseString(File.ReadAllText(overlayFile)).WithFallback(defaults);
    }
}
