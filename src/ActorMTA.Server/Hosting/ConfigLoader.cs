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
        var defaults = Parse(Path.Combine(HoconDirectory, "actormta.conf"));
        if (overlayFile is null) return defaults;
        if (!File.Exists(overlayFile)) throw new FileNotFoundException($"config file {overlayFile} not found");
        return Parse(overlayFile).WithFallback(defaults);
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
