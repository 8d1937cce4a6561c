namespace ActorMTA.Server.Delivery;

/// <summary>
/// What the DomainQueue entities of a node need to deliver: settings, DNS, and the account view that decides
/// whether a bounce goes to a local mailbox or out again. Shared by all queues; thread-safe. Without it
/// (null) a queue only holds its mail, as the entity tests want.
/// </summary>
/// <param name="ReportingMta">Our host name in DSNs (Reporting-MTA, MAILER-DAEMON@...).</param>
/// <param name="IsLocalDomain">True for a domain whose mail this server keeps (AccountCache.Current.IsLocalDomain).</param>
/// <param name="IsLocalUser">True for an existing local mailbox address.</param>
public sealed record DeliveryServices(
    DeliverySettings Settings,
    MxResolver Mx,
    HostAddressResolver Hosts,
    string ReportingMta,
    Func<string, bool> IsLocalDomain,
    Func<string, bool> IsLocalUser)
{
    /// <summary>The clock of retry schedules and expiry (tests may move it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Recognises targets that are this server (a mail loop). By default only our host name is known.</summary>
    public MailLoopGuard Loops { get; init; } = MailLoopGuard.HostNameOnly(ReportingMta);

    public static DeliveryServices Create(DeliverySettings settings, string reportingMta, Func<string, bool> isLocalDomain, Func<string, bool> isLocalUser)
    {
        var resolverOptions = settings.ResolverOptions();
        return new DeliveryServices(settings, new MxResolver(resolverOptions), new HostAddressResolver(resolverOptions), reportingMta, isLocalDomain, isLocalUser);
    }
}
