namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A provider of actormta.shaping.providers: MX host suffixes that identify it, and its shaping entry.
/// </summary>
/// <param name="Order">Position in the configuration; breaks ties between providers.</param>
public sealed record ProviderRule(string Name, IReadOnlyList<string> Match, ShapingEntry Entry, int Order)
{
    /// <summary>
    /// The length of the suffix by which <paramref name="mxHost"/> matches, or 0. A host matches ".google.com" when it
    /// ends with it or is "google.com" itself: the leading dot keeps "notgoogle.com" out.
    /// </summary>
    public int MatchLength(string mxHost)
    {
        var host = SiteKey.Normalize(mxHost);
        var best = 0;
        foreach (var suffix in Match)
        {
            var bare = suffix.TrimStart('.');
            if (bare.Length == 0) continue;
            var matches = host == bare || host.EndsWith("." + bare, StringComparison.Ordinal);
            if (matches && bare.Length > best) best = bare.Length;
        }
        return best;
    }

    public bool Matches(string mxHost) => MatchLength(mxHost) > 0;
}
