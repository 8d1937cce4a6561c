using Akka.Configuration;
using ActorMTA.Server.Observability.Events;

namespace ActorMTA.Server.Observability.Webhooks;

/// <summary>One webhook endpoint of actormta.webhooks.</summary>
/// <param name="Types">Event types sent (null: all).</param>
public sealed record WebhookEndpoint(string Name, Uri Url, IReadOnlySet<string>? Types, int BatchSize, TimeSpan MaxDelay, string Secret, TimeSpan Timeout,
    TimeSpan MaxBackoff);

public static class WebhookSettings
{
    public static IReadOnlyList<WebhookEndpoint> FromConfig(Config root)
    {
        if (!root.HasPath("actormta.webhooks")) return [];
        var endpoints = new List<WebhookEndpoint>();
        foreach (var value in root.GetValue("actormta.webhooks").GetArray())
        {
            var c = new Config(new Akka.Configuration.Hocon.HoconRoot(value));
            var name = c.GetString("name", null) ?? throw new ConfigurationException("actormta.webhooks: every endpoint needs a name");
            if (name.Length == 0 || name.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')))
                throw new ConfigurationException($"actormta.webhooks: name '{name}' must be letters, digits, - and _");
            if (endpoints.Any(e => e.Name == name)) throw new ConfigurationException($"actormta.webhooks: name '{name}' is used twice");
            var url = c.GetString("url", null);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ConfigurationException($"actormta.webhooks.{name}: url '{url}' is not an http(s) URL");
            var secret = c.GetString("secret", "");
            if (secret.Length < 16) throw new ConfigurationException($"actormta.webhooks.{name}: secret must be at least 16 characters");
            var types = c.HasPath("types") ? c.GetStringList("types") : [];
            IReadOnlySet<string>? typeSet;
            try
            {
                typeSet = types.Count == 0 ? null : DeliveryEventFilter.ParseTypes(string.Join(',', types));
            }
            catch (FormatException e)
            {
                throw new ConfigurationException($"actormta.webhooks.{name}: {e.Message}");
            }
            var batch = c.GetInt("batch-size", 100);
            if (batch is < 1 or > 10_000) throw new ConfigurationException($"actormta.webhooks.{name}: batch-size must be 1 to 10000");
            endpoints.Add(new WebhookEndpoint(name, uri, typeSet, batch, c.GetTimeSpan("max-delay", TimeSpan.FromSeconds(1)), secret,
                c.GetTimeSpan("timeout", TimeSpan.FromSeconds(10)), c.GetTimeSpan("max-backoff", TimeSpan.FromMinutes(5))));
        }
        return endpoints;
    }
}
