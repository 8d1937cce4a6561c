using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;

namespace ActorMTA.Server.Admin;

/// <summary>
/// What `ctl shaping show DOMAIN` prints: the domain's MX hosts, its site, provider, source and pool, and every
/// effective limit with the entry that set it (automation actions in force already applied). Pure: the text for
/// people and the same facts as JSON for scripts.
/// </summary>
/// <param name="MxHosts">As resolved (any order); shown by preference, then name.</param>
/// <param name="Pools">The egress pools that hold <see cref="EffectiveShaping.Source"/>, in configuration order.</param>
public sealed record ShapingReport(IReadOnlyList<MxHost> MxHosts, IReadOnlyList<string> Pools, EffectiveShaping Shaping)
{
    private const int NameWidth = 27;

    private IEnumerable<MxHost> OrderedHosts => MxHosts.OrderBy(h => h.Preference).ThenBy(h => h.Name, StringComparer.Ordinal);

    public string Text()
    {
        var s = Shaping;
        var text = new StringBuilder();
        void Line(string name, string value) => text.Append(name.PadRight(NameWidth)).Append(value).Append('\n');
        void Limit<T>(string name, Sourced<T> value, Func<T, string> format) => Line(name, $"{format(value.Value)} ({Origin(value.Origin)})");

        Line("domain", s.Domain);
        var first = true;
        foreach (var host in OrderedHosts)
        {
            Line(first ? "mx" : "", $"{host.Preference.ToString(CultureInfo.InvariantCulture)} {host.Name}");
            first = false;
        }
        Line("site", s.Site.Name);
        Line("provider", s.Provider ?? "(none)");
        Line("source", s.Source);
        Line("pool", Pools.Count == 0 ? "(none)" : string.Join(", ", Pools));
        Limit("connection-limit", s.ConnectionLimit, Count);
        Limit("provider-connection-limit", s.ProviderConnectionLimit, ProviderConnections);
        Limit("messages-per-connection", s.MessagesPerConnection, Count);
        Limit("message-rate", s.MessageRate, r => r.ToString());
        Limit("connection-rate", s.ConnectionRate, r => r.ToString());
        Limit("idle-timeout", s.IdleTimeout, Duration);
        Limit("tls", s.Tls, Tls);
        Line("suspended", s.SuspendedUntil is { } until ? "until " + until.ToString("u", CultureInfo.InvariantCulture) : "no");
        if (s.Automation.Count == 0) Line("automation", "(none)");
        foreach (var action in s.Automation) Line("automation", action.ToString());
        return text.ToString();
    }

    public JsonObject Json()
    {
        var s = Shaping;
        static JsonObject Limit(JsonNode? value, ShapingOrigin origin) => new() { ["value"] = value, ["origin"] = Origin(origin) };
        static JsonNode? Rate(ShapingRate r) => r.IsUnlimited ? "unlimited" : r.ToString();
        return new JsonObject
        {
            ["domain"] = s.Domain,
            ["accepts_mail"] = true,
            ["mx"] = new JsonArray(OrderedHosts.Select(h => (JsonNode)new JsonObject { ["host"] = h.Name, ["preference"] = h.Preference }).ToArray()),
            ["site"] = s.Site.Name,
            ["provider"] = s.Provider,
            ["source"] = s.Source,
            ["pools"] = new JsonArray(Pools.Select(p => (JsonNode)p).ToArray()),
            ["limits"] = new JsonObject
            {
                ["connection-limit"] = Limit(s.ConnectionLimit.Value, s.ConnectionLimit.Origin),
                // 0 is how the settings say "unlimited"; a script gets the word, as for the rates.
                ["provider-connection-limit"] = Limit(s.ProviderConnectionLimit.Value == 0 ? (JsonNode)"unlimited" : s.ProviderConnectionLimit.Value, s.ProviderConnectionLimit.Origin),
                ["messages-per-connection"] = Limit(s.MessagesPerConnection.Value, s.MessagesPerConnection.Origin),
                ["message-rate"] = Limit(Rate(s.MessageRate.Value), s.MessageRate.Origin),
                ["connection-rate"] = Limit(Rate(s.ConnectionRate.Value), s.ConnectionRate.Origin),
                ["idle-timeout"] = Limit(Duration(s.IdleTimeout.Value), s.IdleTimeout.Origin),
            },
            ["tls"] = Limit(Tls(s.Tls.Value), s.Tls.Origin),
            ["suspended"] = s.Suspended,
            ["suspended_until"] = s.SuspendedUntil?.ToString("o", CultureInfo.InvariantCulture),
            ["automation"] = new JsonArray(s.Automation.Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id,
                ["action"] = a.Action.ToString(),
                ["scope"] = a.Scope.ToString().ToLowerInvariant(),
                ["target"] = a.Target,
                ["source"] = a.Source,
                ["since"] = a.Since.ToString("o", CultureInfo.InvariantCulture),
                ["until"] = a.Until.ToString("o", CultureInfo.InvariantCulture),
                ["reason"] = a.Reason,
            }).ToArray()),
        };
    }

    /// <summary>The answer for a domain with a null MX (RFC 7505): not an error, the domain just takes no mail.</summary>
    public static AdminResult NoMail(string domain, string reason) => new(
        $"{"domain".PadRight(NameWidth)}{domain}\n{"mx".PadRight(NameWidth)}none: {domain} accepts no mail (null MX)\n",
        new JsonObject { ["domain"] = domain, ["accepts_mail"] = false, ["reason"] = reason });

    public AdminResult Result() => new(Text(), Json());

    private static string Origin(ShapingOrigin origin) => origin.ToString().ToLowerInvariant();

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string ProviderConnections(int n) => n == 0 ? "unlimited" : Count(n);

    private static string Tls(StartTlsMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>A duration as HOCON writes it ("2s", "1500ms", "5m"), not as TimeSpan.ToString's "00:00:02".</summary>
    public static string Duration(TimeSpan t)
    {
        var ms = (long)t.TotalMilliseconds;
        string Whole(long v, string unit) => v.ToString(CultureInfo.InvariantCulture) + unit;
        if (ms == 0) return "0s";
        if (ms % 3_600_000 == 0) return Whole(ms / 3_600_000, "h");
        if (ms % 60_000 == 0) return Whole(ms / 60_000, "m");
        if (ms % 1000 == 0) return Whole(ms / 1000, "s");
        return Whole(ms, "ms");
    }
}
