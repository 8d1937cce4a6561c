using System.Globalization;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// Checks and normalizes the signing domain and selector. Both end up in DNS names
/// (<c>selector._domainkey.domain</c>) and in file names under the data directory, so only LDH labels pass:
/// that keeps a name from climbing out of the key directory and keeps it publishable as-is.
/// </summary>
public static class DkimNames
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>The signing domain in the form DNS and the d= tag use: lower case, A-labels, no trailing dot.</summary>
    /// <exception cref="ArgumentException">Not a domain name with at least two labels; the message says so for an operator, without a parameter name.</exception>
    public static string Domain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var trimmed = domain.Trim().TrimEnd('.');
        string ascii;
        try
        {
            // A domain typed in Unicode must be signed and published under its A-label form.
            ascii = Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"'{domain}' is not a valid domain name");
        }
        if (!IsLdhName(ascii) || !ascii.Contains('.'))
            throw new ArgumentException($"'{domain}' is not a valid domain name (letters, digits and hyphens in at least two dot-separated labels)");
        return ascii;
    }

    /// <summary>A selector in lower case: DNS does not tell S1 from s1, so neither may the key directory.</summary>
    /// <exception cref="ArgumentException">Not one or more LDH labels.</exception>
    public static string Selector(string selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var lower = selector.Trim().ToLowerInvariant();
        if (!IsLdhName(lower))
            throw new ArgumentException($"'{selector}' is not a valid selector (letters, digits and hyphens, labels separated by dots)");
        return lower;
    }

    /// <summary>The selector used when none is given: "s" and the year and month, so a yearly or monthly
    /// rotation gets distinct names without the operator choosing any.</summary>
    public static string DefaultSelector(DateTimeOffset now) => "s" + now.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);

    private static bool IsLdhName(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0 || label.Length > MaxLabelLength) return false;
            if (label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return false;
        }
        return true;
    }
}
