using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// The record grammar of RFC 7208 sections 4.6.1, 5 and 6. The whole record is parsed before any of it is evaluated,
/// because a syntax error anywhere makes the result a permerror even when an earlier mechanism would match.
/// </summary>
internal static partial class SpfRecordParser
{
    public static bool TryParse(string txt, out SpfRecord? record, out string? error)
    {
        record = null;
        if (!SpfRecord.IsSpf(txt))
        {
            error = "not a v=spf1 record";
            return false;
        }
        var directives = new List<SpfDirective>();
        var others = new List<SpfModifier>();
        SpfMacroString? redirect = null, explanation = null;
        // Terms are separated by one or more SP only (section 4.6.1); a tab is part of a term and fails its syntax.
        foreach (var term in txt[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var modifier = ModifierTerm().Match(term);
            if (modifier.Success)
            {
                var name = modifier.Groups["name"].Value;
                var value = modifier.Groups["value"].Value;
                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase) || name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    var isRedirect = name.Equals("redirect", StringComparison.OrdinalIgnoreCase);
                    if ((isRedirect ? redirect : explanation) is not null)
                    {
                        error = $"more than one {name.ToLowerInvariant()}= modifier";
                        return false;
                    }
                    if (!SpfMacroString.TryParseDomainSpec(value, out var spec, out error))
                    {
                        error = $"{term}: {error}";
                        return false;
                    }
                    if (isRedirect) redirect = spec;
                    else explanation = spec;
                }
                else
                {
                    if (!SpfMacroString.TryParse(value, explanation: false, out var spec, out error))
                    {
                        error = $"{term}: {error}";
                        return false;
                    }
                    others.Add(new SpfModifier(name, spec!));
                }
                continue;
            }
            if (!TryParseDirective(term, out var directive, out error))
            {
                error = $"{term}: {error}";
                return false;
            }
            directives.Add(directive!);
        }
        record = new SpfRecord(directives, redirect, explanation, others);
        error = null;
        return true;
    }

    private static bool TryParseDirective(string term, out SpfDirective? directive, out string? error)
    {
        directive = null;
        var qualifier = SpfResult.Pass;
        var mechanism = term;
        switch (term[0])
        {
            case '+': qualifier = SpfResult.Pass; mechanism = term[1..]; break;
            case '-': qualifier = SpfResult.Fail; mechanism = term[1..]; break;
            case '~': qualifier = SpfResult.SoftFail; mechanism = term[1..]; break;
            case '?': qualifier = SpfResult.Neutral; mechanism = term[1..]; break;
        }
        var nameEnd = 0;
        while (nameEnd < mechanism.Length && char.IsAsciiLetterOrDigit(mechanism[nameEnd])) nameEnd++;
        var name = mechanism[..nameEnd].ToLowerInvariant();
        var rest = mechanism[nameEnd..];
        switch (name)
        {
            case "all":
                if (rest.Length != 0) return Fail("all takes no argument", out error);
                directive = new SpfDirective(qualifier, SpfMechanismKind.All, mechanism);
                break;
            case "include":
            case "exists":
            {
                if (!rest.StartsWith(':')) return Fail($"{name} needs a domain", out error);
                if (!SpfMacroString.TryParseDomainSpec(rest[1..], out var spec, out error)) return false;
                directive = new SpfDirective(qualifier, name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists, mechanism, spec);
                break;
            }
            case "ptr":
            {
                SpfMacroString? spec = null;
                if (rest.Length > 0)
                {
                    if (!rest.StartsWith(':')) return Fail("ptr takes only a domain", out error);
                    if (!SpfMacroString.TryParseDomainSpec(rest[1..], out spec, out error)) return false;
                }
                directive = new SpfDirective(qualifier, SpfMechanismKind.Ptr, mechanism, spec);
                break;
            }
            case "a":
            case "mx":
            {
                var m = DomainAndDualCidr().Match(rest);
                if (!m.Success) return Fail($"malformed {name} arguments", out error);
                SpfMacroString? spec = null;
                if (m.Groups["domain"].Success && !SpfMacroString.TryParseDomainSpec(m.Groups["domain"].Value, out spec, out error)) return false;
                if (!TryPrefix(m.Groups["ip4"], 32, out var ip4Prefix, out error)) return false;
                if (!TryPrefix(m.Groups["ip6"], 128, out var ip6Prefix, out error)) return false;
                directive = new SpfDirective(qualifier, name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, mechanism, spec,
                    Ip4Prefix: ip4Prefix, Ip6Prefix: ip6Prefix);
                break;
            }
            case "ip4":
            {
                var m = Ip4Network().Match(rest);
                if (!m.Success || !TryParseIp4(m.Groups["net"].Value, out var network)) return Fail("malformed ip4 network", out error);
                if (!TryPrefix(m.Groups["len"], 32, out var prefix, out error)) return false;
                directive = new SpfDirective(qualifier, SpfMechanismKind.Ip4, mechanism, Network: network, Ip4Prefix: prefix);
                break;
            }
            case "ip6":
            {
                var m = Ip6Network().Match(rest);
                if (!m.Success || !IPAddress.TryParse(m.Groups["net"].Value, out var network) || network.AddressFamily != AddressFamily.InterNetworkV6)
                    return Fail("malformed ip6 network", out error);
                if (!TryPrefix(m.Groups["len"], 128, out var prefix, out error)) return false;
                directive = new SpfDirective(qualifier, SpfMechanismKind.Ip6, mechanism, Network: network, Ip6Prefix: prefix);
                break;
            }
            default:
                return Fail($"unknown mechanism \"{name}\"", out error);
        }
        error = null;
        return true;
    }

    private static bool TryPrefix(Group group, int max, out int prefix, out string? error)
    {
        prefix = max;
        error = null;
        if (!group.Success) return true;
        prefix = int.Parse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture);
        if (prefix <= max) return true;
        error = $"CIDR length /{prefix} is more than {max}";
        return false;
    }

    /// <summary>The ip4-network rule: four decimal octets without leading zeros, which IPAddress.Parse would take as octal or accept short.</summary>
    private static bool TryParseIp4(string text, out IPAddress? address)
    {
        address = null;
        var octets = text.Split('.');
        if (octets.Length != 4) return false;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var o = octets[i];
            if (o.Length is 0 or > 3 || (o.Length > 1 && o[0] == '0') || !o.All(char.IsAsciiDigit)) return false;
            var value = int.Parse(o, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255) return false;
            bytes[i] = (byte)value;
        }
        address = new IPAddress(bytes);
        return true;
    }

    private static bool Fail(string why, out string? error)
    {
        error = why;
        return false;
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9\-_.]*)=(?<value>.*)$")]
    private static partial Regex ModifierTerm();

    // The domain is lazy so that trailing "/n" and "//n" are read as CIDR lengths, not as part of the name.
    [GeneratedRegex(@"^(?::(?<domain>.+?))?(?:/(?<ip4>0|[1-9][0-9]?))?(?://(?<ip6>0|[1-9][0-9]{0,2}))?$")]
    private static partial Regex DomainAndDualCidr();

    [GeneratedRegex(@"^:(?<net>[0-9.]+)(?:/(?<len>0|[1-9][0-9]?))?$")]
    private static partial Regex Ip4Network();

    [GeneratedRegex(@"^:(?<net>[0-9A-Fa-f:.]+)(?:/(?<len>0|[1-9][0-9]{0,2}))?$")]
    private static partial Regex Ip6Network();
}
