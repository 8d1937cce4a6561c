namespace ActorMTA.Server.Checks.Spf;

/// <summary>Limits and identity of the SPF evaluator. The defaults are the ones RFC 7208 section 4.6.4 recommends.</summary>
public sealed record SpfOptions
{
    /// <summary>Terms that cause DNS queries (include, a, mx, ptr, exists, redirect) across the whole check, includes
    /// and redirects counted together; one more is a permerror.</summary>
    public int MaxDnsLookups { get; init; } = 10;

    /// <summary>Queries of those terms answered NXDOMAIN or NODATA; one more is a permerror.</summary>
    public int MaxVoidLookups { get; init; } = 2;

    /// <summary>Names an mx mechanism may look up addresses for; an MX set larger than this is a permerror.</summary>
    public int MaxMxNames { get; init; } = 10;

    /// <summary>PTR names the ptr mechanism and %{p} look at; the rest are ignored.</summary>
    public int MaxPtrNames { get; init; } = 10;

    /// <summary>This host's name, for %{r} in explanations.</summary>
    public string ReceiverHost { get; init; } = "localhost";

    /// <summary>The whole check, all its DNS questions included; past it the result is a temperror. The RFC asks
    /// for at least 20 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The clock for %{t} and the timeout; tests replace it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
