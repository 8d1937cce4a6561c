namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// An automation action in force: for sending from <see cref="Source"/> ("*" for every source) to the site or
/// provider named by <see cref="Target"/> (a site key or a provider name, per <see cref="Scope"/>), until <see cref="Until"/>.
/// </summary>
/// <param name="Id">Unique within one <see cref="AutomationState"/>; what `ctl` cancels by.</param>
/// <param name="Reason">The rule's name and the reply that triggered it, or the operator's command.</param>
public sealed record ActiveAutomation(
    long Id,
    string Source,
    AutomationScope Scope,
    string Target,
    AutomationAction Action,
    DateTimeOffset Since,
    DateTimeOffset Until,
    string Reason)
{
    public const string AnySource = "*";

    public bool AppliesTo(string source, SiteKey site, string? provider) =>
        (Source == AnySource || Source == source)
        && (Scope == AutomationScope.Site ? Target == site.Name : Target == provider);

    public override string ToString() =>
        $"#{Id} {Action} for {Scope.ToString().ToLowerInvariant()} {Target} from {Source} until {Until:u} ({Reason})";
}
