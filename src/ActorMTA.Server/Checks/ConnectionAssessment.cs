using System.Net;

namespace ActorMTA.Server.Checks;

/// <summary>How the reverse DNS of a client came out (RFC 8601 "iprev").</summary>
public enum IpRevResult
{
    /// <summary>A PTR name resolves back to the client's address (forward-confirmed).</summary>
    Pass,

    /// <summary>No PTR name, or none resolves back to the address.</summary>
    Fail,

    TempError,
}

/// <summary>One DNS list that answered for the client.</summary>
public sealed record DnsListHit(string Zone, IPAddress Answer, double Weight);

/// <summary>What the connection stage found out about a client, before it sent a command.</summary>
public sealed record ConnectionAssessment(IPAddress Client, IpRevResult IpRev, string? ReverseName, IReadOnlyList<DnsListHit> Hits, double Score)
{
    public static ConnectionAssessment Skipped(IPAddress client) => new(client, IpRevResult.TempError, null, [], 0);

    /// <summary>The lists (with a positive weight) that named the client, for the refusal text and the log.</summary>
    public string BlockingZones => string.Join(", ", Hits.Where(h => h.Weight > 0).Select(h => h.Zone));
}
