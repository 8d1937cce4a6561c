namespace ActorMTA.Server.Delivery;

/// <summary>Where a domain's mail goes now: addresses to try in order, or why there are none.</summary>
public sealed record ResolvedTargets(IReadOnlyList<DeliveryTarget> Targets, MxResolution.Failure? Failure)
{
    /// <summary>
    /// A route (actormta.delivery.routes, the domain's own or "*") wins over MX; its host may be a name or an
    /// address. Otherwise the MX hosts in preference order, each with all of its addresses, on remote-smtp-port.
    /// Targets that are this server itself are a mail loop (<see cref="MailLoopGuard"/>): a route to one of our
    /// SMTP listeners fails, and so does a domain whose best MX is us.
    /// </summary>
    public static async Task<ResolvedTargets> ForDomainAsync(string domain, DeliveryServices services, CancellationToken ct)
    {
        var settings = services.Settings;
        var loops = services.Loops;
        if (settings.RouteFor(domain) is { } route)
        {
            var addresses = await services.Hosts.ResolveAsync(route.Host, ct).ConfigureAwait(false);
            if (addresses.Count == 0)
                return new ResolvedTargets([], new MxResolution.Failure(false, "4.4.3", $"Route host {route.Host} for {domain} does not resolve"));
            // A route's host name may well be ours (a filter on another port of this machine): only its endpoints count.
            var local = await loops.LocalAddressesAsync([route.Port]).ConfigureAwait(false);
            return addresses.Any(a => loops.IsOwnEndpoint(a, route.Port, local))
                ? new ResolvedTargets([], MailLoopGuard.LoopFailure(domain))
                : new ResolvedTargets(addresses.Select(a => new DeliveryTarget(route.Host, a, route.Port)).ToArray(), null);
        }
        var resolution = await services.Mx.ResolveAsync(domain, ct).ConfigureAwait(false);
        switch (resolution)
        {
            case MxResolution.Hosts hosts:
                var port = settings.RemoteSmtpPort;
                var localAddresses = await loops.LocalAddressesAsync([port]).ConfigureAwait(false);
                var others = loops.WithoutSelf(hosts.Targets, port, localAddresses);
                return others.Count == 0
                    ? new ResolvedTargets([], MailLoopGuard.LoopFailure(domain))
                    : new ResolvedTargets(others.SelectMany(h => h.Addresses.Select(a => new DeliveryTarget(h.Name, a, port))).ToArray(), null);
            case MxResolution.Failure failure:
                return new ResolvedTargets([], failure);
            default:
                throw new InvalidOperationException("unknown MX resolution");
        }
    }
}
