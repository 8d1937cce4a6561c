using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// A macro-string of RFC 7208 section 7: a domain-spec, a modifier's value, or (with <c>explanation</c>) the text of
/// an exp= TXT record. Parsed once so that syntax errors show before evaluation starts, as section 4.6 requires, and
/// expanded per use because %{d} and %{p} depend on where in the evaluation it is used.
/// </summary>
public sealed partial class SpfMacroString
{
    private const string Delimiters = ".-+,/_=";
    private const string Letters = "slodiphcrtv";
    private const string ExplanationOnlyLetters = "crt";

    private abstract record Part;

    private sealed record Literal(string Text) : Part;

    private sealed record Macro(char Letter, bool UrlEscape, int Keep, bool Reverse, string Delimiters) : Part;

    private readonly IReadOnlyList<Part> _parts;
    private readonly bool _endsWithMacro;

    private SpfMacroString(string text, IReadOnlyList<Part> parts, bool endsWithMacro)
    {
        Text = text;
        _parts = parts;
        _endsWithMacro = endsWithMacro;
    }

    /// <summary>The source text, as written in the record.</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>
    /// Parses a macro-string. <paramref name="explanation"/> allows spaces and the letters c, r and t, which section
    /// 7.2 keeps for exp text. Returns false with a reason on a syntax error.
    /// </summary>
    public static bool TryParse(string text, bool explanation, out SpfMacroString? result, out string? error)
    {
        result = null;
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var endsWithMacro = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                if ((c is < '!' or > '~') && !(explanation && c == ' '))
                {
                    error = $"character 0x{(int)c:x2} not allowed in \"{text}\"";
                    return false;
                }
                literal.Append(c);
                endsWithMacro = false;
                continue;
            }
            if (i + 1 >= text.Length)
            {
                error = $"'%' at the end of \"{text}\"";
                return false;
            }
            var next = text[++i];
            switch (next)
            {
                case '%':
                    literal.Append('%');
                    break;
                case '_':
                    literal.Append(' ');
                    break;
                case '-':
                    literal.Append("%20");
                    break;
                case '{':
                    if (!TryParseMacro(text, ref i, explanation, out var macro, out error)) return false;
                    if (literal.Length > 0) parts.Add(new Literal(literal.ToString()));
                    literal.Clear();
                    parts.Add(macro!);
                    break;
                default:
                    error = $"'%{next}' is not a macro in \"{text}\"";
                    return false;
            }
            endsWithMacro = true;
        }
        if (literal.Length > 0) parts.Add(new Literal(literal.ToString()));
        result = new SpfMacroString(text, parts, endsWithMacro);
        error = null;
        return true;
    }

    /// <summary>Parses a domain-spec: a macro-string that ends in a macro or in "." and a top label that is not all
    /// digits (the domain-end rule of section 7.1), so "a:museum" and "a:foo.123" are syntax errors.</summary>
    public static bool TryParseDomainSpec(string text, out SpfMacroString? result, out string? error)
    {
        if (text.Length == 0)
        {
            result = null;
            error = "empty domain-spec";
            return false;
        }
        if (!TryParse(text, explanation: false, out result, out error)) return false;
        if (result!._endsWithMacro) return true;
        var tail = result._parts.Count > 0 && result._parts[^1] is Literal last ? last.Text : "";
        if (DomainEnd().IsMatch(tail)) return true;
        result = null;
        error = $"\"{text}\" does not end in a valid top-level label";
        return false;
    }

    private static bool TryParseMacro(string text, ref int i, bool explanation, out Macro? macro, out string? error)
    {
        // i is at '{'.
        macro = null;
        var start = i - 1;
        if (++i >= text.Length)
        {
            error = $"unterminated macro in \"{text}\"";
            return false;
        }
        var letter = text[i];
        var lower = char.ToLowerInvariant(letter);
        if (!Letters.Contains(lower) || !char.IsAsciiLetter(letter))
        {
            error = $"unknown macro letter '{letter}' in \"{text}\"";
            return false;
        }
        if (!explanation && ExplanationOnlyLetters.Contains(lower))
        {
            error = $"macro letter '{letter}' is only allowed in exp text, in \"{text}\"";
            return false;
        }
        i++;
        var digitsStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        var keep = 0;
        if (i > digitsStart)
        {
            // Past int range it keeps every part anyway; the RFC only asks for up to 128.
            keep = int.TryParse(text.AsSpan(digitsStart, i - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
            if (keep == 0)
            {
                error = $"zero digit transformer in \"{text}\"";
                return false;
            }
        }
        var reverse = false;
        if (i < text.Length && text[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }
        var delimitersStart = i;
        while (i < text.Length && Delimiters.Contains(text[i])) i++;
        var delimiters = text[delimitersStart..i];
        if (i >= text.Length || text[i] != '}')
        {
            error = $"malformed macro \"{text[start..Math.Min(text.Length, i + 1)]}\" in \"{text}\"";
            return false;
        }
        macro = new Macro(lower, char.IsAsciiLetterUpper(letter), keep, reverse, delimiters);
        error = null;
        return true;
    }

    /// <summary>Expands the macros with the values of <paramref name="context"/>.</summary>
    public async ValueTask<string> ExpandAsync(SpfMacroContext context, CancellationToken ct)
    {
        var sb = new StringBuilder();
        foreach (var part in _parts)
        {
            switch (part)
            {
                case Literal l:
                    sb.Append(l.Text);
                    break;
                case Macro m:
                    var value = m.Letter == 'p'
                        ? context.ValidatedName is null ? "unknown" : await context.ValidatedName(ct).ConfigureAwait(false)
                        : Value(m.Letter, context);
                    value = Transform(value, m);
                    sb.Append(m.UrlEscape ? Uri.EscapeDataString(value) : value);
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Value(char letter, SpfMacroContext c) => letter switch
    {
        's' => c.Sender,
        'l' => c.LocalPart,
        'o' => c.SenderDomain,
        'd' => c.Domain,
        'i' => DottedAddress(c.Ip),
        'v' => c.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => c.Helo,
        'c' => c.Ip.ToString(),
        'r' => c.Receiver,
        't' => c.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"macro letter {letter}"),
    };

    /// <summary>%{i}: dotted quad for IPv4, dot-separated nibbles for IPv6 (section 7.3), so that %{ir} gives the
    /// same shape as a reverse zone.</summary>
    public static string DottedAddress(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetworkV6) return ip.ToString();
        var bytes = ip.GetAddressBytes();
        var sb = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (sb.Length > 0) sb.Append('.');
            sb.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xf]);
        }
        return sb.ToString();
    }

    private static string Transform(string value, Macro m)
    {
        if (m.Keep == 0 && !m.Reverse && m.Delimiters.Length == 0) return value;
        var parts = value.Split(m.Delimiters.Length == 0 ? ['.'] : m.Delimiters.ToCharArray());
        if (m.Reverse) Array.Reverse(parts);
        var keep = m.Keep == 0 ? parts.Length : Math.Min(m.Keep, parts.Length);
        return string.Join('.', parts, parts.Length - keep, keep);
    }

    [GeneratedRegex(@"\.(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\.?$")]
    private static partial Regex DomainEnd();
}
