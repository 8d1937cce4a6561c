using System.Globalization;

namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/) and its algorithm: normal rules, wildcards (<c>*.</c>),
/// exceptions (<c>!</c>) and the implicit <c>*</c> rule. DMARC needs it for the Organizational Domain (RFC 7489
/// section 3.2), which decides where a subdomain's policy comes from and whether relaxed identifiers align.
/// Both ICANN and private sections are used, as opendmarc and the PSL's own test vectors do. Names are compared as
/// lowercase A-labels; the list's U-label rules are converted when loaded. Immutable and thread-safe.
/// </summary>
public sealed class PublicSuffixList
{
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    // Only for hosts without the publicsuffix package: enough multi-label suffixes that the common cases do not
    // collapse to the registry; every other TLD is covered by the implicit "*" rule.
    private static readonly string[] BuiltIn =
    [
        "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz",
        "uk", "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "net.uk", "ltd.uk", "plc.uk",
        "au", "com.au", "net.au", "org.au", "edu.au", "gov.au",
        "jp", "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
        "nz", "co.nz", "org.nz", "net.nz",
        "br", "com.br", "net.br", "org.br",
        "cn", "com.cn", "net.cn", "org.cn",
        "in", "co.in", "net.in", "org.in",
        "za", "co.za", "org.za",
        "de", "fr", "nl", "it", "es", "ch", "at", "be", "se", "no", "dk", "fi", "pl", "ru", "us", "ca", "eu", "io",
    ];

    private static readonly Lazy<PublicSuffixList> DefaultList = new(LoadDefault);

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _wildcards; // "*.kobe.jp" stored as "kobe.jp"
    private readonly HashSet<string> _exceptions; // "!city.kobe.jp" stored as "city.kobe.jp"

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcards, HashSet<string> exceptions)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
    }

    /// <summary>The Debian file, read once on first use; the small built-in list when it is missing or unreadable.</summary>
    public static PublicSuffixList Default => DefaultList.Value;

    /// <summary>Number of rules (all kinds); lets a caller see whether the real list or the fallback was loaded.</summary>
    public int Count => _rules.Count + _wildcards.Count + _exceptions.Count;

    public static PublicSuffixList Load(string path) => Parse(File.ReadLines(path));

    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wildcards = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            // The format says a rule ends at the first whitespace; the rest of the line is ignored.
            var end = line.IndexOfAny([' ', '\t']);
            var rule = end < 0 ? line : line[..end];
            if (rule.StartsWith('!'))
            {
                if (ToAscii(rule[1..]) is { } name) exceptions.Add(name);
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                if (ToAscii(rule[2..]) is { } name) wildcards.Add(name);
            }
            else if (ToAscii(rule) is { } name)
            {
                rules.Add(name);
            }
        }

        return new PublicSuffixList(rules, wildcards, exceptions);
    }

    /// <summary>
    /// The registrable domain (public suffix plus one label), or null when the name is itself a public suffix or is
    /// not a usable domain name (empty labels, leading dot). This is the PSL test file's checkPublicSuffix.
    /// </summary>
    public string? RegistrableDomain(string? domain)
    {
        var labels = Labels(domain);
        if (labels is null) return null;
        var suffix = PublicSuffixLength(labels);
        return labels.Length <= suffix ? null : string.Join('.', labels[^(suffix + 1)..]);
    }

    /// <summary>
    /// The Organizational Domain of RFC 7489 section 3.2. A name that is itself a public suffix (or unusable) is its
    /// own organizational domain, so that a policy lookup still has a name to ask and alignment degrades to exact.
    /// </summary>
    public string OrganizationalDomain(string domain) =>
        RegistrableDomain(domain) ?? Normalize(domain);

    /// <summary>The public suffix of a name (at least its last label, by the implicit rule), or null when unusable.</summary>
    public string? PublicSuffix(string? domain)
    {
        var labels = Labels(domain);
        if (labels is null) return null;
        var suffix = PublicSuffixLength(labels);
        return string.Join('.', labels[^Math.Min(suffix, labels.Length)..]);
    }

    private int PublicSuffixLength(string[] labels)
    {
        // An exception rule prevails over every other rule; its public suffix is the rule minus its leftmost label.
        for (var k = labels.Length; k >= 1; k--)
        {
            if (_exceptions.Contains(Suffix(labels, k))) return k - 1;
        }

        var longest = 1; // the implicit "*" rule
        for (var k = 1; k <= labels.Length; k++)
        {
            if (_rules.Contains(Suffix(labels, k))) longest = Math.Max(longest, k);
            if (k >= 2 && _wildcards.Contains(Suffix(labels, k - 1))) longest = Math.Max(longest, k);
        }

        return longest;
    }

    private static string Suffix(string[] labels, int count) => string.Join('.', labels[^count..]);

    private static string[]? Labels(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain)) return null;
        var name = Normalize(domain);
        if (name.Length == 0 || name.StartsWith('.')) return null;
        var labels = name.Split('.');
        return labels.Any(l => l.Length == 0) ? null : labels;
    }

    private static string Normalize(string domain)
    {
        var name = domain.Trim();
        if (name.EndsWith('.')) name = name[..^1];
        return ToAscii(name) ?? name.ToLowerInvariant();
    }

    private static string? ToAscii(string name)
    {
        if (name.Length == 0) return null;
        var ascii = true;
        foreach (var c in name)
        {
            if (c > 0x7f) { ascii = false; break; }
        }

        if (ascii) return name.ToLowerInvariant();
        try
        {
            return new IdnMapping().GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static PublicSuffixList LoadDefault()
    {
        try
        {
            if (File.Exists(DebianPath)) return Load(DebianPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Parse(BuiltIn);
    }
}
