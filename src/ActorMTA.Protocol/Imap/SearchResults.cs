namespace ActorMTA.Protocol.Imap;

/// <summary>What a SEARCH with RETURN options answers and saves, from the matching numbers in ascending order.</summary>
public static class SearchResults
{
    /// <summary>
    /// The ESEARCH response (RFC 4731 section 3.1), or null when SAVE is the only option (RFC 5182 section 2.1:
    /// no ESEARCH then). MIN, MAX and ALL are left out when nothing matched; COUNT is always given when asked.
    /// </summary>
    public static ImapResponse.ESearch? Response(string tag, bool byUid, SearchReturn options, IReadOnlyList<uint> numbers)
    {
        if (options == SearchReturn.Save) return null;
        var any = numbers.Count > 0;
        return new ImapResponse.ESearch(tag, byUid,
            any && options.HasFlag(SearchReturn.Min) ? numbers[0] : null,
            any && options.HasFlag(SearchReturn.Max) ? numbers[^1] : null,
            options.HasFlag(SearchReturn.Count) ? (uint)numbers.Count : null,
            any && options.HasFlag(SearchReturn.All) ? SequenceSet.FromNumbers(numbers) : null);
    }

    /// <summary>
    /// What SAVE keeps (RFC 5182 section 2.4): only the minimum and/or maximum when MIN and/or MAX are the only other
    /// options, else every match.
    /// </summary>
    public static IReadOnlyList<uint> Saved(SearchReturn options, IReadOnlyList<uint> numbers)
    {
        var others = options & ~SearchReturn.Save;
        if (numbers.Count == 0 || others == SearchReturn.None || (others & (SearchReturn.All | SearchReturn.Count)) != 0) return numbers;
        var saved = new List<uint>(2);
        if (others.HasFlag(SearchReturn.Min)) saved.Add(numbers[0]);
        if (others.HasFlag(SearchReturn.Max) && (saved.Count == 0 || saved[0] != numbers[^1])) saved.Add(numbers[^1]);
        return saved;
    }
}
