using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Canonical form of account addresses and local domains, so that every lookup is case-insensitive:
/// the local part and the domain are lower-cased; an IDN domain is kept in its Unicode form
/// (<c>xn--bcher-kva.example</c> and <c>BÜCHER.example</c> both become <c>bücher.example</c>).
/// UTF-8 local parts (SMTPUTF8) are allowed. Quoted local parts and address literals are not account names.
/// </summary>
/// <remarks>
/// Unicode normalisation (NFC) is not applied: the process runs with invariant globalization, where
/// string.Normalize leaves non-ASCII text unchanged, so a local part must be entered in the form clients send.
/// </remarks>
public static class AccountAddress
{
    private const int MaxLocalPartBytes = 64;
    private const int MaxDomainLength = 255;
    private const int MaxLabelLength = 63;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Normalises <c>local@domain</c>; false when it is not a valid account address.</summary>
    public static bool TryNormalize(string? address, [NotNullWhen(true)] out string? normalized, [NotNullWhen(true)] out string? domain) =>
        TryNormalize(address, lowerCaseLocalPart: true, out normalized, out domain);

    private static bool TryNormalize(string? address, bool lowerCaseLocalPart, [NotNullWhen(true)] out string? normalized, [NotNullWhen(true)] out string? domain)
    {
        normalized = null;
        domain = null;
        if (string.IsNullOrEmpty(address))
            return false;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
            return false;
        var local = lowerCaseLocalPart ? address[..at].ToLowerInvariant() : address[..at];
        if (!IsValidLocalPart(local) || !TryNormalizeDomain(address[(at + 1)..], out domain))
            return false;
        normalized = $"{local}@{domain}";
        return true;
    }

    /// <summary>Normalises a domain name; false when it is not a valid host name.</summary>
    public static bool TryNormalizeDomain(string? domain, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrEmpty(domain))
            return false;
        if (domain.EndsWith('.'))
            domain = domain[..^1];
        string[] labels;
        try
        {
            // GetAscii validates labels (letters, digits, hyphens) and maps case; GetUnicode gives the display form.
            // Label by label: IdnMapping refuses a whole name over 254 characters, but RFC 5321 section
            // 4.5.3.1.2 makes 255 octets the longest domain a server must accept.
            labels = domain.Split('.').Select(label => label.Length == 0 ? "" : Idn.GetAscii(label)).ToArray();
        }
        catch (ArgumentException)
        {
            return false;
        }
        var ascii = string.Join('.', labels);
        if (ascii.Length > MaxDomainLength || ascii.Split('.').Any(label => label.Length is 0 or > MaxLabelLength))
            return false;
        try
        {
            normalized = string.Join('.', ascii.Split('.').Select(label => Idn.GetUnicode(label))).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// Checks an alias target that may belong to another server: the domain is normalised, the local part is kept
    /// as written (RFC 5321 lets the receiving server tell case apart). Local targets are normalised fully by
    /// the caller, which knows the local domains.
    /// </summary>
    public static bool TryNormalizeTarget(string? address, [NotNullWhen(true)] out string? normalized, [NotNullWhen(true)] out string? domain) =>
        TryNormalize(address, lowerCaseLocalPart: false, out normalized, out domain);

    /// <summary>Like <see cref="TryNormalize"/>, throwing an <see cref="AccountException"/> for a malformed address.</summary>
    public static string Normalize(string address, out string domain)
    {
        if (!TryNormalize(address, out var normalized, out var normalizedDomain))
            throw new AccountException($"malformed address: '{address}' (expected local@domain)");
        domain = normalizedDomain;
        return normalized;
    }

    public static string NormalizeDomain(string domain)
    {
        if (!TryNormalizeDomain(domain, out var normalized))
            throw new AccountException($"malformed domain: '{domain}'");
        return normalized;
    }

    // Dot-atom of RFC 5322 with RFC 6531's UTF-8 extension: atext or any non-ASCII character, dots only between atoms.
    private static bool IsValidLocalPart(string local)
    {
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartBytes)
            return false;
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var rune in local.EnumerateRunes())
        {
            if (rune.Value == '.')
                continue;
            if (rune.IsAscii ? !IsAsciiAtext((char)rune.Value) : Rune.IsControl(rune) || Rune.IsWhiteSpace(rune))
                return false;
        }
        return true;
    }

    private static bool IsAsciiAtext(char c)
    {
        return char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);
    }
}
