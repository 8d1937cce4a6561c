namespace ActorMTA.Server.Checks.Arc;

/// <summary>
/// What the Authenticated Received Chain of a message says. <see cref="Instances"/> is the highest i= seen (0 when
/// there is no chain). <see cref="Reason"/> says why a chain failed. The rest describes the chain for a local
/// policy that trusts some forwarders (RFC 8617 section 7.2): who sealed it (<see cref="Sealers"/>, d= of each
/// ARC-Seal, oldest first) and what the first hop, the one that saw the original message, recorded in its
/// ARC-Authentication-Results. Those are only worth believing when <see cref="Result"/> is Pass.
/// </summary>
public sealed record ArcOutcome(ArcResult Result, int Instances, string? Reason)
{
    public static ArcOutcome None { get; } = new(ArcResult.None, 0, null);

    public IReadOnlyList<string> Sealers { get; init; } = [];

    /// <summary>authserv-id of the oldest ARC-Authentication-Results (i=1).</summary>
    public string? OriginAuthServId { get; init; }

    /// <summary>dmarc= result the first hop recorded (e.g. "pass", "fail"), null when it recorded none.</summary>
    public string? OriginDmarc { get; init; }

    /// <summary>spf= result the first hop recorded.</summary>
    public string? OriginSpf { get; init; }

    /// <summary>dkim= result the first hop recorded (the first one when it listed several).</summary>
    public string? OriginDkim { get; init; }

    /// <summary>Whether a key fetch failed transiently: a Fail then may be worth a retry rather than a verdict.</summary>
    public bool DnsTempError { get; init; }
}
