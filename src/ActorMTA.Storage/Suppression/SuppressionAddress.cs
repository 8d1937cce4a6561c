using System.Diagnostics.CodeAnalysis;
using ActorMTA.Storage.Accounts;

namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The one canonical form of a suppressed address and of a tenant, used when an entry is stored and when a
/// recipient is looked up, so both meet. Addresses: the whole address lower-cased (local part too, as ESPs do:
/// mailbox providers treat local parts case-insensitively in practice), the domain in the account form (IDN in
/// Unicode, see <see cref="AccountAddress"/>). Tenants: trimmed and lower-cased; the empty tenant is the global list.
/// </summary>
public static class SuppressionAddress
{
    /// <summary>The global list's tenant.</summary>
    public const string Global = "";

    public static bool TryNormalize(string? address, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(address)) return false;
        var trimmed = address.Trim();
        if (AccountAddress.TryNormalize(trimmed, out normalized, out _)) return true;
        // A quoted local part is a valid recipient but not an account name: lower-case it plainly.
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1 || trimmed.Any(char.IsControl)) return false;
        var local = trimmed[..at];
        var quoted = local.Length >= 2 && local[0] == '"' && local[^1] == '"';
        if (!quoted && local.Any(char.IsWhiteSpace)) return false;
        if (!AccountAddress.TryNormalizeDomain(trimmed[(at + 1)..], out var domain)) return false;
        normalized = local.ToLowerInvariant() + "@" + domain;
        return true;
    }

    /// <summary>
    /// True for an address whose normalized form is just its lower-cased form (a trailing dot of the domain aside):
    /// printable ASCII without quotes or spaces, one '@' with text on both sides, and no IDN (xn--) label, which
    /// normalization would turn into Unicode. RCPT lookups of such addresses (nearly all) hash them as they are.
    /// </summary>
    internal static bool IsPlainAscii(ReadOnlySpan<char> address)
    {
        var at = address.IndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address[(at + 1)..].IndexOf('@') >= 0) return false;
        foreach (var c in address)
            if (c is <= ' ' or > '~' or '"') return false;
        return address[(at + 1)..].IndexOf("xn--", StringComparison.OrdinalIgnoreCase) < 0;
    }

    /// <summary>The normalized address, or a <see cref="SuppressionException"/> naming the bad one.</summary>
    public static string Normalize(string? address) =>
        TryNormalize(address, out var normalized) ? normalized : throw new SuppressionException($"not a valid address: '{address}'");

    /// <summary>The tenant as stored; a tenant that could never have been stored (a control character) stays as given, matching nothing.</summary>
    public static string NormalizeTenantOrEmpty(string? tenant) => (tenant ?? "").Trim().ToLowerInvariant();

    public static string NormalizeTenant(string? tenant)
    {
        var t = tenant?.Trim() ?? "";
        if (t.Any(c => char.IsControl(c) || c == ',')) throw new SuppressionException($"not a valid tenant: '{tenant}'");
        return t.ToLowerInvariant();
    }
}
