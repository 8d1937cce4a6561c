namespace ActorMTA.Server.Delivery;

/// <summary>Where a domain's mail goes now: addresses to try in order, or why there are none.</summary>
public sealed record ResolvedTargets(IReadOnlyList<DeliveryTarget> Targets, MxResolution.Failure? Failure)
{
    /// <summary>
    /// A route (actormta.delivery.routes, the domain's own or "*") wins over MX; its host may be a name or an
    /// address. Otherwise the MX hosts in preference order, each with all of its addresses, on remote-smtp-port.
    /// </summary>
    public static async Task<ResolvedTargets> ForDomainAsync(string domain, DeliveryServices services, CancellationToken ct)
    {
        var settings = services.Settings;
        if (settings.RouteFor(domain) is { } route)
        {
            var addresses = await services.Hosts.ResolveAsync(route.Host, ct).ConfigureAwait(false);
            return addresses.Count == 0
                ? new ResolvedTargets([], new MxResolution.Failure(false, "4.4.3", $"Route host {route.Host} for {domain} does not resolve"))
                : new ResolvedTargets(addresses.Select(a => new DeliveryTarget(route.Host, a, route.Port)).ToArray(), null);
        }
        var resolution = await services.Mx.ResolveAsync(domain, ct).ConfigureAwait(false);
        return resolution switch
        {
            MxResolution.Hosts hosts => new ResolvedTargets(
                hosts.Targets.SelectMany(h => h.Addresses.Select(a => new DeliveryTarget(h.Name, a, settings.RemoteSmtpPort))).ToArray(), null),
            MxResolution.Failure failure => new ResolvedTargets([], failure),
            _ => throw new InvalidOperationException("unknown MX resolution"),
        };
    }
}
