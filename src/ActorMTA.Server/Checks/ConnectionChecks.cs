using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Server.Checks;

/// <summary>
/// The connection stage: DNS lists (DNSBL with positive weights, DNSWL with negative ones) and forward-confirmed
/// reverse DNS. All questions are asked at once; the session starts them at accept time and reads the answer at
/// its first RCPT, so a slow list costs no latency unless it is slower than the client's EHLO and MAIL.
/// </summary>
public sealed class ConnectionChecks(ICheckDns dns, SpamSettings settings)
{
    private const int MaxPtrNamesChecked = 10;

    public async Task<ConnectionAssessment> AssessAsync(IPAddress client, CancellationToken ct)
    {
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        var lists = settings.DnsLists.Select(zone => LookupAsync(client, zone, ct)).ToArray();
        var iprev = IpRevAsync(client, ct);
        var hits = (await Task.WhenAll(lists).ConfigureAwait(false)).OfType<DnsListHit>().ToList();
        var (result, name) = await iprev.ConfigureAwait(false);
        var score = hits.Sum(h => h.Weight) + (result == IpRevResult.Fail ? settings.FcrdnsFailWeight : 0);
        return new ConnectionAssessment(client, result, name, hits, score);
    }

    /// <summary>The name a DNS list is asked for: the address's octets (IPv4) or nibbles (IPv6) reversed, then the zone
    /// (RFC 5782 section 2).</summary>
    public static string QueryName(IPAddress client, string zone)
    {
        var bytes = client.GetAddressBytes();
        var sb = new StringBuilder(80);
        if (client.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--) sb.Append(bytes[i]).Append('.');
        }
        else
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
                sb.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        return sb.Append(zone).ToString();
    }

    private async Task<DnsListHit?> LookupAsync(IPAddress client, DnsListZone zone, CancellationToken ct)
    {
        var answer = await dns.AAsync(QueryName(client, zone.Zone), ct).ConfigureAwait(false);
        if (answer.Status != DnsStatus.Ok) return null;
        foreach (var address in answer.Records)
        {
            // RFC 5782 section 2.1: listings are in 127.0.0.0/8; other answers (127.255.255.x "query refused" of some lists
            // aside, checked by the explicit answer filter) are not listings.
            if (!IsListingAnswer(address)) continue;
            if (zone.Answers.Count == 0 || zone.Answers.Contains(address)) return new DnsListHit(zone.Zone, address, zone.Weight);
        }
        return null;
    }

    private static bool IsListingAnswer(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 127 && !(b[1] == 255 && b[2] == 255);
    }

    private async Task<(IpRevResult, string?)> IpRevAsync(IPAddress client, CancellationToken ct)
    {
        var ptr = await dns.PtrAsync(client, ct).ConfigureAwait(false);
        if (ptr.Status == DnsStatus.TempError) return (IpRevResult.TempError, null);
        if (ptr.Status != DnsStatus.Ok) return (IpRevResult.Fail, null);
        var sawTempError = false;
        foreach (var name in ptr.Records.Take(MaxPtrNamesChecked))
        {
            var forward = client.AddressFamily == AddressFamily.InterNetwork
                ? await dns.AAsync(name, ct).ConfigureAwait(false)
                : await dns.AaaaAsync(name, ct).ConfigureAwait(false);
            if (forward.Status == DnsStatus.TempError) sawTempError = true;
            if (forward.Records.Contains(client)) return (IpRevResult.Pass, name);
        }
        return (sawTempError ? IpRevResult.TempError : IpRevResult.Fail, ptr.Records[0]);
    }
}
