using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// Loads hocon/actormta.conf (shipped next to the executable) over hocon/shaping-providers.conf and
/// hocon/bounce-rules.conf, and lays an operator's file over them.
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
    /// The shipped files of <paramref name="hoconDirectory"/>. The provider defaults and bounce rules are merged as a
    /// fallback rather than included: the parser is given text, so an include would resolve against the working
    /// directory, not the directory the file came from.
    /// </summary>
    public static Config Shipped(string hoconDirectory)
    {
        var config = Parse(Path.Combine(hoconDirectory, "actormta.conf"));
        foreach (var defaults in new[] { "shaping-providers.conf", "bounce-rules.conf" })
        {
            var file = Path.Combine(hoconDirectory, defaults);
            if (File.Exists(file)) config = config.WithFallback(Parse(file));
        }
        return config;
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
