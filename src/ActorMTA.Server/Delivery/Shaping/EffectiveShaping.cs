using System.Globalization;
using System.Text;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>Where an effective limit came from, so that `ctl shaping show` can say why a limit is what it is.</summary>
public enum ShapingOrigin
{
    Default,
    Provider,
    Domain,
    Automation,
}

/// <summary>A value and the entry that set it.</summary>
public readonly record struct Sourced<T>(T Value, ShapingOrigin Origin)
{
    public override string ToString() => $"{Value} ({Origin.ToString().ToLowerInvariant()})";
}

/// <summary>
/// The limits that apply to mail for one domain over one egress source: what `ctl shaping show DOMAIN` prints, and
/// what the ready queue of (source, site) enforces. Automation actions in force are already applied.
/// </summary>
/// <param name="ConnectionLimit">Concurrent connections per (source, site).</param>
/// <param name="ProviderConnectionLimit">Concurrent connections per (source, provider); 0 = unlimited.</param>
public sealed record EffectiveShaping(
    string Domain,
    SiteKey Site,
    string? Provider,
    string Source,
    Sourced<int> ConnectionLimit,
    Sourced<int> ProviderConnectionLimit,
    Sourced<int> MessagesPerConnection,
    Sourced<ShapingRate> MessageRate,
    Sourced<ShapingRate> ConnectionRate,
    Sourced<TimeSpan> IdleTimeout,
    Sourced<StartTlsMode> Tls)
{
    /// <summary>Set by an automation action (or an operator): no new connections or messages until it ends.</summary>
    public DateTimeOffset? SuspendedUntil { get; init; }

    public bool Suspended => SuspendedUntil is not null;

    /// <summary>The automation actions that changed anything here, for display next to the limits.</summary>
    public IReadOnlyList<ActiveAutomation> Automation { get; init; } = [];

    /// <summary>The lines `ctl shaping show` prints.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        void Line(string name, object value) => text.Append(name.PadRight(27)).Append(value).AppendLine();
        static string From(ShapingOrigin origin) => $" ({origin.ToString().ToLowerInvariant()})";

        Line("domain", Domain);
        Line("site", Site);
        Line("provider", Provider ?? "(none)");
        Line("source", Source);
        Line("connection-limit", ConnectionLimit);
        Line("provider-connection-limit", (ProviderConnectionLimit.Value == 0 ? "unlimited" : ProviderConnectionLimit.Value.ToString(CultureInfo.InvariantCulture)) + From(ProviderConnectionLimit.Origin));
        Line("messages-per-connection", MessagesPerConnection);
        Line("message-rate", MessageRate);
        Line("connection-rate", ConnectionRate);
        Line("idle-timeout", IdleTimeout);
        Line("tls", Tls.Value.ToString().ToLowerInvariant() + From(Tls.Origin));
        if (SuspendedUntil is { } until) Line("suspended until", until.ToString("u", CultureInfo.InvariantCulture));
        foreach (var action in Automation) Line("automation", action);
        return text.ToString();
    }
}
