using System.Collections.Concurrent;

namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// Parsed key records by their TXT text, shared by every message on the node. Parsing is the dearest part of a DKIM
/// check: BouncyCastle proves an RSA modulus composite with a Miller-Rabin test each time it builds a key (several
/// milliseconds for 2048 bits, measured as 95 % of the accept rate lost), while a bulk sender signs every message
/// with the same few keys. Keyed by the record's exact text, an entry can never be stale: a new key is a new text,
/// and DNS caching (by TTL) decides which text a lookup returns. Bounded; emptied when full rather than tracking use.
/// </summary>
public static class DkimKeyRecordCache
{
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<string, (DkimKeyRecord? Record, string? Error)> Parsed = new(StringComparer.Ordinal);

    public static int Count => Parsed.Count;

    /// <summary><see cref="DkimKeyRecord.Parse"/>, answered from the cache when this text was parsed before.</summary>
    public static DkimKeyRecord? Parse(string txt, out string? error)
    {
        if (Parsed.TryGetValue(txt, out var hit))
        {
            error = hit.Error;
            return hit.Record;
        }

        var record = DkimKeyRecord.Parse(txt, out error);
        if (Parsed.Count >= Capacity) Parsed.Clear();
        Parsed[txt] = (record, error);
        return record;
    }
}
