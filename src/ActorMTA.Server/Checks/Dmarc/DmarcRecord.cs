using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// A DMARC policy record (RFC 7489 section 6.3). Parsing follows section 6.3's leniency: unknown tags are ignored and
/// a malformed optional tag falls back to its default. A record without a valid p= (or with an invalid sp=) is
/// read as p=none when it has a usable rua=, so its owner still gets reports (section 6.6.3 step 6);
/// <see cref="PolicyDefaulted"/> says so. Without one it is no record at all, and <see cref="Parse"/> says why.
/// </summary>
public sealed partial record DmarcRecord(
    DmarcPolicy Policy,
    DmarcPolicy? SubdomainPolicy,
    DmarcAlignment DkimAlignment,
    DmarcAlignment SpfAlignment,
    int Percent,
    IReadOnlyList<string> AggregateUris,
    IReadOnlyList<string> FailureUris,
    IReadOnlyList<string> FailureOptions,
    long Interval,
    bool PolicyDefaulted)
{
    public const long DefaultInterval = 86400;

    /// <summary>Whether a TXT string is a DMARC record at all: its first tag is v=DMARC1 (section 6.6.3 step 4).</summary>
    public static bool IsDmarc(string txt) => VersionTag().IsMatch(txt);

    public static DmarcRecord? Parse(string txt, out string? error)
    {
        if (!IsDmarc(txt))
        {
            error = "not a DMARC1 record";
            return null;
        }

        var tags = Tags(txt);
        var policy = ParsePolicy(tags.GetValueOrDefault("p"));
        var hasSp = tags.TryGetValue("sp", out var spText);
        var subdomainPolicy = hasSp ? ParsePolicy(spText) : null;
        var rua = Uris(tags.GetValueOrDefault("rua"));
        var defaulted = false;
        if (policy is null || (hasSp && subdomainPolicy is null))
        {
            if (rua.Count == 0)
            {
                error = policy is null ? "no valid p= and no valid rua=" : "invalid sp= and no valid rua=";
                return null;
            }

            (policy, subdomainPolicy, defaulted) = (DmarcPolicy.None, null, true);
        }

        var percent = 100;
        if (tags.TryGetValue("pct", out var pct) && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 100) percent = p;

        var interval = DefaultInterval;
        if (tags.TryGetValue("ri", out var ri) && uint.TryParse(ri, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) interval = seconds;

        var fo = (tags.GetValueOrDefault("fo") ?? "").Split(':').Select(o => o.Trim().ToLowerInvariant()).Where(o => o is "0" or "1" or "d" or "s").Distinct().ToList();

        error = null;
        return new DmarcRecord(
            policy.Value,
            subdomainPolicy,
            Alignment(tags.GetValueOrDefault("adkim")),
            Alignment(tags.GetValueOrDefault("aspf")),
            percent,
            rua,
            Uris(tags.GetValueOrDefault("ruf")),
            fo.Count == 0 ? ["0"] : fo,
            interval,
            defaulted);
    }

    /// <summary>Tag names compared case-insensitively (ABNF literals); the first of a repeated tag wins, and a part
    /// without "=" is skipped, since section 6.3 prefers ignoring bad syntax to discarding the record.</summary>
    private static Dictionary<string, string> Tags(string txt)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in txt.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            tags.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim());
        }

        return tags;
    }

    private static DmarcPolicy? ParsePolicy(string? value) => value?.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    private static DmarcAlignment Alignment(string? value) =>
        string.Equals(value, "s", StringComparison.OrdinalIgnoreCase) ? DmarcAlignment.Strict : DmarcAlignment.Relaxed;

    /// <summary>The valid URIs of a rua=/ruf= list, each without its "!size" limit (section 6.4 dmarc-uri).</summary>
    private static List<string> Uris(string? value)
    {
        var uris = new List<string>();
        if (value is null) return uris;
        foreach (var item in value.Split(','))
        {
            var uri = SizeLimit().Replace(item.Trim(), "");
            if (Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme.Length > 0) uris.Add(uri);
        }

        return uris;
    }

    [GeneratedRegex(@"^\s*v\s*=\s*DMARC1\s*(;|$)")]
    private static partial Regex VersionTag();

    [GeneratedRegex(@"![0-9]+[kmgtKMGT]?$")]
    private static partial Regex SizeLimit();
}
