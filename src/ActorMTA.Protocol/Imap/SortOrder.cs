namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Orders messages for SORT (RFC 5256 section 3): by each criterion in turn, strings with the i;ascii-casemap
/// comparator, dates in UTC; equal messages stay in sequence-number order.
/// </summary>
public static class SortOrder
{
    public static IReadOnlyList<uint> Sort(IEnumerable<SortFields> messages, IReadOnlyList<SortCriterion> criteria)
    {
        var list = messages.ToList();
        list.Sort((a, b) =>
        {
            foreach (var criterion in criteria)
            {
                var order = Compare(a, b, criterion.Key);
                if (order != 0) return criterion.Reverse ? -order : order;
            }
            return a.Sequence.CompareTo(b.Sequence);
        });
        return list.Select(m => m.Number).ToList();
    }

    private static int Compare(SortFields a, SortFields b, SortKey key) => key switch
    {
        SortKey.Arrival => a.Arrival.UtcDateTime.CompareTo(b.Arrival.UtcDateTime),
        SortKey.Date => a.Date.UtcDateTime.CompareTo(b.Date.UtcDateTime),
        SortKey.Size => a.Size.CompareTo(b.Size),
        SortKey.Subject => AsciiCaseMap(a.Subject, b.Subject),
        SortKey.From => AsciiCaseMap(a.From, b.From),
        SortKey.To => AsciiCaseMap(a.To, b.To),
        SortKey.Cc => AsciiCaseMap(a.Cc, b.Cc),
        SortKey.DisplayFrom => AsciiCaseMap(a.DisplayFrom, b.DisplayFrom),
        SortKey.DisplayTo => AsciiCaseMap(a.DisplayTo, b.DisplayTo),
        _ => 0,
    };

    /// <summary>i;ascii-casemap (RFC 4790): a-z fold to A-Z, everything else compares by code point.</summary>
    public static int AsciiCaseMap(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var x = a[i] is >= 'a' and <= 'z' ? (char)(a[i] - 32) : a[i];
            var y = b[i] is >= 'a' and <= 'z' ? (char)(b[i] - 32) : b[i];
            if (x != y) return x.CompareTo(y);
        }
        return a.Length.CompareTo(b.Length);
    }
}
