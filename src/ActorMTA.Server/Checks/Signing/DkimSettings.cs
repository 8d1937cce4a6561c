using Akka.Configuration;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// The actormta.dkim section: <c>selectors { "example.com" = "s2" }</c> pins the selector a domain signs with.
/// A domain not named there signs with its newest key.
/// </summary>
public sealed record DkimSettings(IReadOnlyDictionary<string, string> Selectors)
{
    public static DkimSettings None { get; } = new(new Dictionary<string, string>());

    /// <exception cref="ConfigurationException">A domain or selector that is not a valid name.</exception>
    public static DkimSettings FromConfig(Config root)
    {
        var value = root.GetValue("actormta.dkim.selectors");
        if (value is null || value.IsEmpty) return None;
        var selectors = new Dictionary<string, string>(StringComparer.Ordinal);
        // Read as an object, not by path: a domain key is quoted because it holds dots.
        foreach (var (domain, selector) in value.GetObject().Items)
        {
            try
            {
                selectors[DkimNames.Domain(domain)] = DkimNames.Selector(selector.GetString());
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"actormta.dkim.selectors: {e.Message}");
            }
        }
        return new DkimSettings(selectors);
    }
}
