namespace ActorMTA.Server.Checks.Spf;

/// <summary>The domain name rules of RFC 7208: which identities can be checked at all (section 4.3) and how a
/// macro-expanded target becomes a name to ask DNS about (section 4.8).</summary>
public static class SpfDomainName
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Whether <paramref name="domain"/> is a domain a check can start at: a multi-label name, no empty label (but a
    /// trailing dot), labels of at most 63 characters, 253 in all. Letters, digits, hyphen and underscore only, so
    /// address literals such as "[192.0.2.1]" and the junk clients say in HELO are not sent to DNS. On success
    /// <paramref name="normalized"/> has no trailing dot.
    /// </summary>
    public static bool IsCheckable(string? domain, out string normalized)
    {
        normalized = "";
        if (string.IsNullOrEmpty(domain)) return false;
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length == 0 || name.Length > MaxLength) return false;
        var labels = name.Split('.');
        if (labels.Length < 2) return false;
        foreach (var label in labels)
        {
            if (label.Length == 0 || label.Length > MaxLabelLength) return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
        }
        normalized = name;
        return true;
    }

    /// <summary>
    /// The DNS name for a macro-expanded target, or null when it cannot be one (an empty label, a label over 63
    /// characters, a character outside visible ASCII). Too long a name loses labels from its left until it fits, as
    /// section 4.8 says, so a long local part in %{l} still leaves the policy's own suffix.
    /// </summary>
    public static string? ForQuery(string expanded)
    {
        var name = expanded.EndsWith('.') ? expanded[..^1] : expanded;
        while (name.Length > MaxLength)
        {
            var dot = name.IndexOf('.');
            if (dot < 0) return null;
            name = name[(dot + 1)..];
        }
        if (name.Length == 0) return null;
        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0 || label.Length > MaxLabelLength) return null;
            foreach (var c in label)
                if (c is < '!' or > '~') return null;
        }
        return name;
    }

    /// <summary>Whether <paramref name="name"/> is <paramref name="domain"/> or one of its subdomains, ignoring case.</summary>
    public static bool IsSameOrSubdomain(string name, string domain)
    {
        name = name.TrimEnd('.');
        domain = domain.TrimEnd('.');
        return name.Equals(domain, StringComparison.OrdinalIgnoreCase)
               || (name.Length > domain.Length && name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase));
    }
}
