namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// The tag=value list of RFC 6376 section 3.2, shared by DKIM-Signature fields, DKIM key records and DMARC records
/// (RFC 7489 section 6.3 reuses the syntax). Tag names are kept as written and looked up case-sensitively for DKIM
/// (RFC 6376: "tags ... are case-sensitive") or insensitively for DMARC, by the caller's choice of comparer.
/// Values are trimmed of surrounding whitespace; folding inside a value is left for the tag's own rules
/// (base64 tags drop it, the h= list trims around its colons).
/// </summary>
public sealed class TagList
{
    private readonly Dictionary<string, string> _values;

    private TagList(List<KeyValuePair<string, string>> tags, Dictionary<string, string> values)
    {
        Tags = tags;
        _values = values;
    }

    /// <summary>The tags in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; }

    public string? this[string name] => _values.TryGetValue(name, out var v) ? v : null;

    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Parses a tag list; null (with why) for a malformed one, including a tag given twice (RFC 6376 3.2).</summary>
    public static TagList? Parse(string text, StringComparer names, out string? error)
    {
        var tags = new List<KeyValuePair<string, string>>();
        var values = new Dictionary<string, string>(names);
        foreach (var part in text.Split(';'))
        {
            // A trailing ";" is allowed; an empty spec elsewhere is tolerated because real records carry ";;".
            if (string.IsNullOrWhiteSpace(part)) continue;
            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                error = $"tag without '=': '{part.Trim()}'";
                return null;
            }

            var name = part[..eq].Trim(' ', '\t', '\r', '\n');
            if (!IsTagName(name))
            {
                error = $"invalid tag name '{name}'";
                return null;
            }

            var value = part[(eq + 1)..].Trim(' ', '\t', '\r', '\n');
            if (!values.TryAdd(name, value))
            {
                error = $"tag '{name}' given twice";
                return null;
            }

            tags.Add(new(name, value));
        }

        error = null;
        return new TagList(tags, values);
    }

    /// <summary>A value with all whitespace removed: base64 (b=, bh=, p=) may be folded anywhere.</summary>
    public static string Compact(string value)
    {
        var buffer = new char[value.Length];
        var n = 0;
        foreach (var c in value)
        {
            if (c is not (' ' or '\t' or '\r' or '\n')) buffer[n++] = c;
        }

        return new string(buffer, 0, n);
    }

    /// <summary>A colon-separated list (h=, k= lists, s=, t=, fo=) with whitespace around the items removed.</summary>
    public static string[] SplitList(string value, char separator = ':') =>
        value.Split(separator).Select(s => Compact(s)).ToArray();

    private static bool IsTagName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetter(name[0])) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }

        return true;
    }
}
