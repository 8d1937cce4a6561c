using System.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Http;

/// <summary>HOCON <c>actormta.http</c>: the HTTP injection API's listener, tokens and limits.</summary>
public sealed record HttpSettings(
    bool Enabled,
    IPAddress Bind,
    int Port,
    IReadOnlyList<string> Tokens,
    long MaxRequestSize,
    int MaxRecipients,
    int MaxInFlight,
    int MaxConcurrentRequests,
    bool StrictVariables,
    bool Tls)
{
    public static readonly HttpSettings Disabled = new(false, IPAddress.Loopback, 8025, [], 50L * 1024 * 1024, 10_000, 32, 16, false, false);

    public static HttpSettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.http");
        if (c is null || c.IsEmpty) return Disabled;
        var d = Disabled;
        var settings = new HttpSettings(
            c.GetBoolean("enabled", d.Enabled),
            IPAddress.Parse(c.GetString("bind", "127.0.0.1")),
            c.GetInt("port", d.Port),
            (c.GetStringList("tokens") ?? []).Where(t => t.Length > 0).ToArray(),
            c.GetLong("max-request-size", d.MaxRequestSize),
            c.GetInt("max-recipients", d.MaxRecipients),
            c.GetInt("max-in-flight", d.MaxInFlight),
            c.GetInt("max-concurrent-requests", d.MaxConcurrentRequests),
            c.GetBoolean("strict-variables", d.StrictVariables),
            c.GetBoolean("tls", d.Tls));
        if (settings.MaxRequestSize <= 0) throw new ConfigurationException("actormta.http.max-request-size must be positive");
        if (settings.MaxRecipients <= 0) throw new ConfigurationException("actormta.http.max-recipients must be positive");
        if (settings.MaxInFlight <= 0) throw new ConfigurationException("actormta.http.max-in-flight must be positive");
        if (settings.MaxConcurrentRequests <= 0) throw new ConfigurationException("actormta.http.max-concurrent-requests must be positive");
        return settings;
    }
}
