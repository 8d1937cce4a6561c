using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A message sequence number set or UID set (RFC 3501 section 9, sequence-set): numbers, ranges and
/// <c>*</c>, which stands for the largest number in use (message count, or highest UID) and is only
/// known when the set is resolved. Ranges are unordered: 4:2 is 2:4.
/// </summary>
public sealed class SequenceSet : IEquatable<SequenceSet>
{
    /// <summary>The value that stands for <c>*</c> in <see cref="Ranges"/>.</summary>
    public const uint Star = 0;

    private SequenceSet(IReadOnlyList<(uint First, uint Last)> ranges, bool isSavedResult = false)
    {
        Ranges = ranges;
        IsSavedResult = isSavedResult;
    }

    /// <summary><c>$</c> (RFC 5182 SEARCHRES): the result saved by the last SEARCH RETURN (SAVE), substituted by the session.</summary>
    public static readonly SequenceSet SavedResult = new([], isSavedResult: true);

    /// <summary>This is <c>$</c>: it has no ranges of its own; the session resolves it to the saved UIDs.</summary>
    public bool IsSavedResult { get; }

    /// <summary>The ranges as written, in order; <see cref="Star"/> marks <c>*</c>.</summary>
    public IReadOnlyList<(uint First, uint Last)> Ranges { get; }

    /// <summary>Parses sequence-set syntax; false for anything else (empty, 0, bad ranges, trailing commas).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SequenceSet set)
    {
        set = null!;
        if (text.IsEmpty) return false;
        if (text is "$")
        {
            set = SavedResult;
            return true;
        }
        var ranges = new List<(uint, uint)>();
        foreach (var range in text.Split(','))
        {
            var item = text[range];
            var colon = item.IndexOf(':');
            if (colon < 0)
            {
                if (!TryParseNumber(item, out var single)) return false;
                ranges.Add((single, single));
                continue;
            }
            if (!TryParseNumber(item[..colon], out var first) || !TryParseNumber(item[(colon + 1)..], out var last)) return false;
            ranges.Add((first, last));
        }
        set = new SequenceSet(ranges);
        return true;
    }

    public static SequenceSet Parse(string text) =>
        TryParse(text, out var set) ? set : throw new FormatException($"Not a sequence set: {text}");

    /// <summary>A set of explicit numbers (no <c>*</c>), for response codes such as COPYUID.</summary>
    public static SequenceSet FromNumbers(IEnumerable<uint> numbers)
    {
        var ranges = new List<(uint, uint)>();
        foreach (var number in numbers)
        {
            if (number == 0) throw new ArgumentOutOfRangeException(nameof(numbers), "0 is not a message number.");
            // Only ascending neighbours are joined, so the order (which COPYUID pairs on) is kept.
            if (ranges.Count > 0 && ranges[^1].Item2 != uint.MaxValue && ranges[^1].Item2 + 1 == number)
                ranges[^1] = (ranges[^1].Item1, number);
            else
                ranges.Add((number, number));
        }
        if (ranges.Count == 0) throw new ArgumentException("A sequence set cannot be empty.", nameof(numbers));
        return new SequenceSet(ranges);
    }

    /// <summary>Any <c>*</c> in the set.</summary>
    public bool ContainsStar => Ranges.Any(r => r.First == Star || r.Last == Star);

    /// <summary>
    /// The set as sorted, merged, inclusive ranges, with <c>*</c> taken as <paramref name="largest"/>
    /// (message count or highest UID). Empty when <paramref name="largest"/> is 0 and the set is only <c>*</c>.
    /// </summary>
    public IReadOnlyList<(uint First, uint Last)> Resolve(uint largest)
    {
        var resolved = new List<(uint First, uint Last)>(Ranges.Count);
        foreach (var (first, last) in Ranges)
        {
            var a = first == Star ? largest : first;
            var b = last == Star ? largest : last;
            if (a == 0 && b == 0) continue;
            if (a == 0) a = 1;
            if (b == 0) b = 1;
            resolved.Add(a <= b ? (a, b) : (b, a));
        }
        resolved.Sort((x, y) => x.First.CompareTo(y.First));
        var merged = new List<(uint First, uint Last)>(resolved.Count);
        foreach (var range in resolved)
        {
            if (merged.Count > 0 && (ulong)merged[^1].Last + 1 >= range.First)
            {
                if (range.Last > merged[^1].Last) merged[^1] = (merged[^1].First, range.Last);
                continue;
            }
            merged.Add(range);
        }
        return merged;
    }

    /// <summary>Whether <paramref name="value"/> is in the set, <c>*</c> taken as <paramref name="largest"/>.</summary>
    public bool Contains(uint value, uint largest)
    {
        foreach (var (first, last) in Resolve(largest))
        {
            if (value < first) return false;
            if (value <= last) return true;
        }
        return false;
    }

    /// <summary>Every number of the set in ascending order, once each.</summary>
    public IEnumerable<uint> Enumerate(uint largest)
    {
        foreach (var (first, last) in Resolve(largest))
        {
            for (var n = first; ; n++)
            {
                yield return n;
                if (n == last) break;
            }
        }
    }

    /// <summary>
    /// Sequence numbers must exist (RFC 3501 section 9, seq-number): true when every number, with
    /// <c>*</c> as <paramref name="messageCount"/>, is between 1 and the message count. UID sets need
    /// no such check (missing UIDs are ignored).
    /// </summary>
    public bool IsWithin(uint messageCount)
    {
        if (IsSavedResult) return true;
        if (messageCount == 0) return false;
        foreach (var (first, last) in Ranges)
        {
            if (first != Star && first > messageCount) return false;
            if (last != Star && last > messageCount) return false;
        }
        return true;
    }

    public override string ToString()
    {
        if (IsSavedResult) return "$";
        var text = new StringBuilder();
        foreach (var (first, last) in Ranges)
        {
            if (text.Length > 0) text.Append(',');
            Append(text, first);
            if (first != last)
            {
                text.Append(':');
                Append(text, last);
            }
        }
        return text.ToString();
    }

    public bool Equals(SequenceSet? other) => other is not null && IsSavedResult == other.IsSavedResult && Ranges.SequenceEqual(other.Ranges);

    public override bool Equals(object? obj) => Equals(obj as SequenceSet);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    private static void Append(StringBuilder text, uint value)
    {
        if (value == Star) text.Append('*');
        else text.Append(value);
    }

    private static bool TryParseNumber(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        if (text is "*")
        {
            value = Star;
            return true;
        }
        // nz-number: no leading zero, at most 2^32-1.
        if (text.IsEmpty || text[0] is < '1' or > '9') return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return uint.TryParse(text, System.Globalization.NumberStyles.None, null, out value);
    }
}
