namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The 64-bit key of "tenant|address" that the in-memory snapshot holds instead of the strings (8 bytes per entry
/// instead of ~100). FNV-1a over the UTF-16 code units from a per-process random start, finished with the
/// MurmurHash3 mixer; the random start means nobody can craft an address that collides with a suppressed one on
/// purpose. Two different entries share a key with probability about n/2^64 per lookup (5e-14 at 1,000,000
/// entries), and <see cref="SuppressionList.FindAsync"/> confirms the exact entry where its text is needed.
/// </summary>
public static class SuppressionKey
{
    private const ulong FnvPrime = 1099511628211UL;
    private static readonly ulong Seed = 14695981039346656037UL ^ (ulong)Random.Shared.NextInt64();

    /// <param name="tenant">Normalized (see <see cref="SuppressionAddress.NormalizeTenant"/>); "" for the global list.</param>
    /// <param name="address">Normalized (see <see cref="SuppressionAddress.Normalize"/>).</param>
    public static ulong Of(string tenant, string address)
    {
        var h = Start(tenant);
        foreach (var c in address) h = (h ^ c) * FnvPrime;
        return Finish(h);
    }

    /// <summary>
    /// The key of a plain ASCII address as <see cref="Of"/> gives it for its normalized form, without making that
    /// string: A-Z hashed as a-z and a trailing dot of the domain left out (see <see cref="SuppressionAddress.IsPlainAscii"/>).
    /// </summary>
    internal static ulong OfPlainAscii(string tenant, ReadOnlySpan<char> address)
    {
        if (address.Length > 0 && address[^1] == '.') address = address[..^1];
        var h = Start(tenant);
        foreach (var c in address) h = (h ^ (c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c)) * FnvPrime;
        return Finish(h);
    }

    private static ulong Start(string tenant)
    {
        var h = Seed;
        foreach (var c in tenant) h = (h ^ c) * FnvPrime;
        return (h ^ '|') * FnvPrime;
    }

    private static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
