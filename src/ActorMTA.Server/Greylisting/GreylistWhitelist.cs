using System.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Greylisting;

/// <summary>
/// actormta.spam.greylisting.whitelist: client networks (CIDR, or a single address) and domains whose mail is never
/// greylisted. A domain entry matches the sender's or the recipient's domain and its subdomains ("example.org" also
/// covers "mx.example.org"). A sender's domain can be forged; for senders prefer their networks.
/// </summary>
public sealed class GreylistWhitelist
{
    public static readonly GreylistWhitelist Empty = new([], []);

    private readonly IReadOnlyList<IPNetwork> _networks;
    private readonly IReadOnlyList<string> _domains;

    private GreylistWhitelist(IReadOnlyList<IPNetwork> networks, IReadOnlyList<string> domains)
    {
        _networks = networks;
        _domains = domains;
    }

    public IReadOnlyList<IPNetwork> Networks => _networks;
    public IReadOnlyList<string> Domains => _domains;

    public static GreylistWhitelist Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        var domains = new List<string>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (IPNetwork.TryParse(entry, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
            {
                var single = Unmapped(address);
                networks.Add(new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (entry.Contains('/') || entry.Contains('@') || entry.Contains(' '))
                throw new ConfigurationException($"actormta.spam.greylisting.whitelist: '{raw}' is neither a CIDR network nor a domain");
            else domains.Add(entry.TrimStart('*').Trim('.').ToLowerInvariant());
        }
        return networks.Count == 0 && domains.Count == 0 ? Empty : new GreylistWhitelist(networks, domains);
    }

    /// <summary>The entry that lets this mail skip greylisting, or null.</summary>
    public string? Match(IPAddress client, string? sender, string recipient)
    {
        var address = Unmapped(client);
        foreach (var network in _networks)
            if (network.Contains(address)) return network.ToString();
        if (_domains.Count == 0) return null;
        var senderDomain = DomainOf(sender);
        var recipientDomain = DomainOf(recipient);
        foreach (var domain in _domains)
            if (IsWithin(senderDomain, domain) || IsWithin(recipientDomain, domain)) return domain;
        return null;
    }

    // A client on an IPv4-mapped IPv6 socket is still the IPv4 client the operator wrote down.
    internal static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string? DomainOf(string? address)
    {
        if (address is null) return null;
        var at = address.LastIndexOf('@');
        return at < 0 ? null : address[(at + 1)..].TrimEnd('>', '.').ToLowerInvariant();
    }

    private static bool IsWithin(string? domain, string entry) =>
        domain is not null && (domain == entry || domain.EndsWith("." + entry, StringComparison.Ordinal));
}
