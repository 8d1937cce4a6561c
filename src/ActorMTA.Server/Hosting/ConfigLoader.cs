using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// Loads hocon/actormta.conf (shipped next to the executable) over hocon/shaping-providers.conf, and lays an
/// operator's file over both.
/// </summary>
public static class ConfigLoader
{
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(string? overlayFile)
    {
        var defaults = Shipped(HoconDirectory);
        if (overlayFile is null) return defaults;
        if (!File.Exists(overlayFile)) throw new FileNotFoundException($"config file {overlayFile} not found");
        return Parse(overlayFile).WithFallback(defaults);
    }

    /// <summary>
    /// The shipped files of <paramref name="hoconDirectory"/>. The provider defaults are merged as a fallback rather
    /// than included: the parser is given text, so an include would resolve against the working directory, not the
    /// directory the file came from.
    /// </summary>
    public static Config Shipped(string hoconDirectory)
    {
        var config = Parse(Path.Combine(hoconDirectory, "actormta.conf"));
        var providers = Path.Combine(hoconDirectory, "shaping-providers.conf");
        return File.Exists(providers) ? config.WithFallback(Parse(providers)) : config;
    }

    private static Config Parse(string file)
    {
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(file));
        }
        catch (FormatException e)
        {
            // The parser's message draws a caret under the text over several lines; operators get one.
            var firstLine = e.Message.Split('\n', 2)[0].Trim().TrimEnd(':');
            throw new ConfigurationException($"{file}: {firstLine}");
        }
    }
}
