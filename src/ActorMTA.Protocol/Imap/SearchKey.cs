namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A SEARCH criterion (RFC 3501 section 6.4.4). The many flag keys are folded into <see cref="Flag"/>
/// (ANSWERED is <c>Flag("\Answered", true)</c>, UNSEEN is <c>Flag("\Seen", false)</c>, KEYWORD x is
/// <c>Flag("x", true)</c>, RECENT is <c>Flag("\Recent", true)</c>); NEW is RECENT UNSEEN, OLD is NOT
/// RECENT. FROM/TO/CC/BCC/SUBJECT are <see cref="Header"/> with that field name. String matching is a
/// case-insensitive substring test, as the RFC says.
/// </summary>
public abstract record SearchKey
{
    private SearchKey()
    {
    }

    public sealed record All : SearchKey
    {
        public static readonly All Instance = new();
    }

    /// <summary>The message has (<paramref name="Present"/>) or lacks the flag or keyword.</summary>
    public sealed record Flag(string Name, bool Present) : SearchKey;

    /// <summary>A header field named <paramref name="FieldName"/> contains <paramref name="Value"/>; an
    /// empty value matches every message that has the field.</summary>
    public sealed record Header(string FieldName, string Value) : SearchKey;

    public sealed record Body(string Value) : SearchKey;

    /// <summary>Header or body contains the value.</summary>
    public sealed record Text(string Value) : SearchKey;

    /// <summary>BEFORE / ON / SINCE on the internal date, time and zone disregarded.</summary>
    public sealed record InternalDate(DateComparison Comparison, DateOnly Date) : SearchKey;

    /// <summary>SENTBEFORE / SENTON / SENTSINCE on the Date: header, time and zone disregarded.</summary>
    public sealed record SentDate(DateComparison Comparison, DateOnly Date) : SearchKey;

    /// <summary>LARGER (size &gt; n) or SMALLER (size &lt; n) on RFC822.SIZE.</summary>
    public sealed record Size(SizeComparison Comparison, long Octets) : SearchKey;

    public sealed record SequenceNumbers(SequenceSet Set) : SearchKey;

    public sealed record Uids(SequenceSet Set) : SearchKey;

    /// <summary>MODSEQ [entry-name entry-type] n (RFC 7162 section 3.1.5): mod-sequence at least <paramref name="Minimum"/>. The entry is not kept: flags share the message's mod-sequence.</summary>
    public sealed record ModSeq(long Minimum) : SearchKey;

    public sealed record Not(SearchKey Key) : SearchKey;

    public sealed record Or(SearchKey Left, SearchKey Right) : SearchKey;

    /// <summary>Every key matches (a parenthesized list, or several keys in a row).</summary>
    public sealed record And(IReadOnlyList<SearchKey> Keys) : SearchKey
    {
        public bool Equals(And? other) => other is not null && Keys.SequenceEqual(other.Keys);

        public override int GetHashCode() => Keys.Count;
    }
}

public enum DateComparison
{
    Before,
    On,
    Since,
}

public enum SizeComparison
{
    Larger,
    Smaller,
}
