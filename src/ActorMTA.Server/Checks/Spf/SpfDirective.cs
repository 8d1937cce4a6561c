using System.Net;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// One directive of a record: a qualifier and a mechanism (RFC 7208 section 4.6.2). <see cref="Qualifier"/> is the
/// result the directive gives when it matches. <see cref="DomainSpec"/> is null where the mechanism defaults to the
/// current domain (a, mx, ptr) or takes none. <see cref="Network"/> is the ip4/ip6 address; the prefix lengths
/// apply to ip4/ip6 and to a and mx (dual-cidr-length, section 5.6).
/// </summary>
public sealed record SpfDirective(
    SpfResult Qualifier,
    SpfMechanismKind Kind,
    string Mechanism,
    SpfMacroString? DomainSpec = null,
    IPAddress? Network = null,
    int Ip4Prefix = 32,
    int Ip6Prefix = 128);
