using System.Net;

namespace ActorMTA.Server.Checks;

/// <summary>How one DNS question of a check ended. SPF and DMARC tell these apart: a void lookup (RFC 7208
/// section 4.6.4) is <see cref="NxDomain"/> or <see cref="NoData"/>; <see cref="TempError"/> (SERVFAIL, timeout,
/// no usable resolver) must never turn into a permanent verdict.</summary>
public enum DnsStatus
{
    Ok,
    NxDomain,
    NoData,
    TempError,
}

/// <summary>The answer to one DNS question: its status and, when <see cref="DnsStatus.Ok"/>, its records.</summary>
public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records)
{
    public static DnsAnswer<T> NxDomain { get; } = new(DnsStatus.NxDomain, []);
    public static DnsAnswer<T> NoData { get; } = new(DnsStatus.NoData, []);
    public static DnsAnswer<T> TempError { get; } = new(DnsStatus.TempError, []);

    public static DnsAnswer<T> Of(IReadOnlyList<T> records) => records.Count == 0 ? NoData : new(DnsStatus.Ok, records);
}

/// <summary>One MX record: preference and exchange host name (no trailing dot).</summary>
public readonly record struct MxRecordData(int Preference, string Exchange);

/// <summary>
/// The DNS questions the inbound checks (SPF, DKIM keys, DMARC, DNSBL, reverse DNS) ask. Implemented over the node's
/// resolver by <see cref="DnsClientCheckDns"/>; unit tests answer from a table. Names are given without a trailing dot.
/// Never throws for DNS trouble: that is <see cref="DnsStatus.TempError"/>.
/// </summary>
public interface ICheckDns
{
    /// <summary>TXT records, each one's character-strings joined without separator (RFC 7208 section 3.3).</summary>
    Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken ct);

    /// <summary>A records (IPv4) of a name.</summary>
    Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken ct);

    /// <summary>AAAA records (IPv6) of a name.</summary>
    Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken ct);

    /// <summary>MX records of a name.</summary>
    Task<DnsAnswer<MxRecordData>> MxAsync(string name, CancellationToken ct);

    /// <summary>PTR names of an address (the in-addr.arpa / ip6.arpa question), without trailing dots.</summary>
    Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken ct);
}
