using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// Parser for the RFC 5321 section 4.1.2 Path grammar. Non-ASCII characters are accepted where RFC 6531
/// extends the grammar (atext, qtext, domain labels); whether they are allowed in a given transaction is
/// the engine's decision (<see cref="SmtpPath.IsInternational"/>).
/// </summary>
public static class SmtpPathParser
{
    /// <summary>Parses a Path starting at <paramref name="position"/> ("&lt;...&gt;"); on success
    /// <paramref name="position"/> points just past the closing bracket.</summary>
    /// <param name="allowNull">MAIL FROM accepts "&lt;&gt;".</param>
    /// <param name="allowPostmaster">RCPT TO accepts the domainless "&lt;Postmaster&gt;" (RFC 5321 section 4.1.1.3).</param>
    public static bool TryParse(string text, ref int position, bool allowNull, bool allowPostmaster, out SmtpPath path)
    {
        path = SmtpPath.Null;
        var i = position;
        if (!Peek(text, i, '<')) return false;
        i++;

        if (Peek(text, i, '>'))
        {
            if (!allowNull) return false;
            position = i + 1;
            return true;
        }

        if (Peek(text, i, '@') && !TrySkipSourceRoute(text, ref i)) return false;

        if (allowPostmaster && TryMatchPostmaster(text, i))
        {
            path = new SmtpPath("postmaster", null);
            position = i + "postmaster>".Length;
            return true;
        }

        if (!TryParseLocalPart(text, ref i, out var localPart)) return false;
        if (!Peek(text, i, '@')) return false;
        i++;
        if (!TryParseDomainOrLiteral(text, ref i, out var domain)) return false;
        if (!Peek(text, i, '>')) return false;

        path = new SmtpPath(localPart, domain);
        position = i + 1;
        return true;
    }

    /// <summary>Parses a whole string that must be exactly one Path.</summary>
    public static bool TryParse(string text, bool allowNull, bool allowPostmaster, out SmtpPath path)
    {
        var position = 0;
        return TryParse(text, ref position, allowNull, allowPostmaster, out path) && position == text.Length;
    }

    /// <summary>True when the text is an RFC 5321 Dot-string (so it needs no quoting as a local part).</summary>
    public static bool IsDotString(string text)
    {
        var i = 0;
        return TryParseDotString(text, ref i, out _) && i == text.Length;
    }

    // A-d-l ":" — at-domains separated by commas; RFC 5321 says receivers must ignore the route.
    private static bool TrySkipSourceRoute(string text, ref int i)
    {
        while (true)
        {
            if (!Peek(text, i, '@')) return false;
            i++;
            if (!TryParseDomain(text, ref i)) return false;
            if (Peek(text, i, ','))
            {
                i++;
                continue;
            }
            if (!Peek(text, i, ':')) return false;
            i++;
            return true;
        }
    }

    private static bool TryMatchPostmaster(string text, int i) =>
        text.Length - i >= "postmaster>".Length
        && text.AsSpan(i, "postmaster".Length).Equals("postmaster", StringComparison.OrdinalIgnoreCase)
        && text[i + "postmaster".Length] == '>';

    private static bool TryParseLocalPart(string text, ref int i, out string localPart)
    {
        if (Peek(text, i, '"')) return TryParseQuotedString(text, ref i, out localPart);
        return TryParseDotString(text, ref i, out localPart);
    }

    private static bool TryParseDotString(string text, ref int i, out string value)
    {
        var start = i;
        value = "";
        while (true)
        {
            var atomStart = i;
            while (i < text.Length && IsAtext(text[i])) i++;
            if (i == atomStart) return false;
            if (Peek(text, i, '.'))
            {
                i++;
                continue;
            }
            value = text[start..i];
            return true;
        }
    }

    private static bool TryParseQuotedString(string text, ref int i, out string value)
    {
        value = "";
        var builder = new StringBuilder();
        i++; // opening quote
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                value = builder.ToString();
                return value.Length > 0;
            }
            if (c == '\\')
            {
                if (i + 1 >= text.Length || text[i + 1] is < (char)32 or > (char)126) return false;
                builder.Append(text[i + 1]);
                i += 2;
                continue;
            }
            if (!IsQtextSmtp(c)) return false;
            builder.Append(c);
            i++;
        }
        return false;
    }

    private static bool TryParseDomainOrLiteral(string text, ref int i, out string domain)
    {
        var start = i;
        domain = "";
        if (Peek(text, i, '['))
        {
            if (!TryParseAddressLiteral(text, ref i)) return false;
        }
        else if (!TryParseDomain(text, ref i))
        {
            return false;
        }
        domain = text[start..i];
        return true;
    }

    private static bool TryParseDomain(string text, ref int i)
    {
        while (true)
        {
            if (!TryParseSubDomain(text, ref i)) return false;
            // A dot continues the domain only when a label follows; "a.b." is not a domain.
            if (Peek(text, i, '.') && i + 1 < text.Length && IsLetDig(text[i + 1]))
            {
                i++;
                continue;
            }
            return true;
        }
    }

    // sub-domain = Let-dig [Ldh-str]: letters/digits with inner hyphens, never ending in one.
    private static bool TryParseSubDomain(string text, ref int i)
    {
        if (i >= text.Length || !IsLetDig(text[i])) return false;
        i++;
        while (i < text.Length && (IsLetDig(text[i]) || text[i] == '-')) i++;
        return text[i - 1] != '-';
    }

    private static bool TryParseAddressLiteral(string text, ref int i)
    {
        var close = text.IndexOf(']', i);
        if (close < 0) return false;
        var inner = text.AsSpan(i + 1, close - i - 1);
        var valid = IsIPv4Literal(inner) || IsIPv6Literal(inner) || IsGeneralLiteral(inner);
        if (!valid) return false;
        i = close + 1;
        return true;
    }

    private static bool IsIPv4Literal(ReadOnlySpan<char> inner)
    {
        var parts = 0;
        foreach (var range in inner.Split('.'))
        {
            var part = inner[range];
            if (part.Length is 0 or > 3) return false;
            foreach (var c in part)
            {
                if (!char.IsAsciiDigit(c)) return false;
            }
            if (int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) > 255) return false;
            parts++;
        }
        return parts == 4;
    }

    private static bool IsIPv6Literal(ReadOnlySpan<char> inner)
    {
        const string tag = "IPv6:";
        if (!inner.StartsWith(tag, StringComparison.OrdinalIgnoreCase)) return false;
        var address = inner[tag.Length..];
        foreach (var c in address)
        {
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return false; // no zone ids or brackets
        }
        return IPAddress.TryParse(address, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6;
    }

    // General-address-literal = Standardized-tag ":" 1*dcontent (RFC 5321 section 4.1.3).
    private static bool IsGeneralLiteral(ReadOnlySpan<char> inner)
    {
        var colon = inner.IndexOf(':');
        if (colon <= 0 || colon == inner.Length - 1) return false;
        var tag = inner[..colon];
        if (!char.IsAsciiLetterOrDigit(tag[0]) || !char.IsAsciiLetterOrDigit(tag[^1])) return false;
        foreach (var c in tag)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        if (tag.Equals("IPv6", StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var c in inner[(colon + 1)..])
        {
            if (c is < (char)33 or > (char)126 or '[' or '\\' or ']') return false;
        }
        return true;
    }

    private static bool Peek(string text, int i, char expected) => i < text.Length && text[i] == expected;

    private static bool IsLetDig(char c) => char.IsAsciiLetterOrDigit(c) || c > 127;

    // RFC 5322 atext, extended with UTF8-non-ascii by RFC 6531.
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || c > 127 || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF8-non-ascii (RFC 6531).
    private static bool IsQtextSmtp(char c) => c is >= (char)32 and <= (char)126 and not '"' and not '\\' || c > 127;
}
