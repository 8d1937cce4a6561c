using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// The Received-SPF header field of RFC 7208 section 9.1. Envelope sender, HELO name and problem text come from the
/// client or from DNS, so every value is made safe here: control characters (CR and LF above all) become '?', values
/// that are not a dot-atom are quoted, comment text has its parentheses and backslashes escaped, and very long values
/// are cut so no line can pass the 998 limit of RFC 5322. Lines are folded at 78 characters between words.
/// </summary>
public static partial class ReceivedSpfHeader
{
    public const string Name = "Received-SPF";
    private const int FoldAt = 78;
    private const int MaxValueLength = 512;

    /// <summary>
    /// The whole field, "Received-SPF: " through the final CRLF. <paramref name="identity"/> is "mailfrom" or "helo";
    /// <paramref name="envelopeFrom"/> is the MAIL FROM address as the client gave it (may be empty for "&lt;&gt;").
    /// </summary>
    public static string Format(SpfOutcome o, IPAddress client, string identity, string envelopeFrom, string helo, string receiver)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(client);
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        envelopeFrom = StripBrackets(envelopeFrom ?? "");
        helo ??= "";
        receiver ??= "";
        identity ??= "";
        var subject = identity.Equals("helo", StringComparison.OrdinalIgnoreCase)
            ? helo
            : SpfIdentity.MailFrom(envelopeFrom, helo).Sender;

        var tokens = new List<string> { Name + ":", ResultWord(o.Result) };
        var comment = Comment(o.Result, receiver, subject, client.ToString()).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => Cut(CommentText(Safe(w)))).ToList();
        comment[0] = "(" + comment[0];
        comment[^1] += ")";
        tokens.AddRange(comment);

        tokens.AddRange(Pair("client-ip", client.ToString()));
        tokens.AddRange(Pair("envelope-from", envelopeFrom));
        tokens.AddRange(Pair("helo", helo));
        if (o.Result is SpfResult.PermError or SpfResult.TempError && o.Problem is not null) tokens.AddRange(Pair("problem", o.Problem));
        tokens.AddRange(Pair("receiver", receiver));
        tokens.AddRange(Pair("identity", identity));
        if (o.Mechanism is not null) tokens.AddRange(Pair("mechanism", o.Mechanism));
        return Fold(tokens);
    }

    /// <summary>The result keyword of section 9.1 (lower case, as registered).</summary>
    public static string ResultWord(SpfResult result) => result switch
    {
        SpfResult.None => "none",
        SpfResult.Neutral => "neutral",
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    private static string Comment(SpfResult result, string receiver, string subject, string ip) => result switch
    {
        SpfResult.Pass => $"{receiver}: domain of {subject} designates {ip} as permitted sender",
        SpfResult.Fail => $"{receiver}: domain of {subject} does not designate {ip} as permitted sender",
        SpfResult.SoftFail => $"{receiver}: transitioning domain of {subject} does not designate {ip} as permitted sender",
        SpfResult.Neutral => $"{receiver}: {ip} is neither permitted nor denied by domain of {subject}",
        SpfResult.None => $"{receiver}: domain of {subject} does not designate permitted sender hosts",
        SpfResult.TempError => $"{receiver}: temporary error checking domain of {subject}",
        SpfResult.PermError => $"{receiver}: permanent error in the SPF record for domain of {subject}",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    /// <summary>key=value; as tokens: one, or for a quoted value with spaces one per word, since a quoted-string
    /// may be folded at its spaces (RFC 5322 section 3.2.4) and a long problem text would otherwise make a long line.</summary>
    private static string[] Pair(string key, string value)
    {
        value = Cut(Safe(value));
        return (key + "=" + (DotAtom().IsMatch(value) ? value : Quoted(value)) + ";").Split(' ');
    }

    private static string Quoted(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    private static string CommentText(string word)
    {
        var sb = new StringBuilder(word.Length);
        foreach (var c in word)
        {
            if (c is '(' or ')' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Control characters, line and paragraph separators and tabs become '?', so nothing the client said
    /// can end the field or start another; other non-ASCII (an SMTPUTF8 address) stays.</summary>
    private static string Safe(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            var unsafeChar = char.IsControl(c) || category is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format
                             || (char.IsSurrogate(c) && !IsPairedSurrogate(text, i));
            sb.Append(unsafeChar ? '?' : c);
        }
        return sb.ToString();
    }

    private static bool IsPairedSurrogate(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);

    private static string Cut(string value)
    {
        if (value.Length <= MaxValueLength) return value;
        var length = char.IsHighSurrogate(value[MaxValueLength - 1]) ? MaxValueLength - 1 : MaxValueLength;
        return value[..length] + "...";
    }

    private static string StripBrackets(string path)
    {
        path = path.Trim();
        return path.StartsWith('<') && path.EndsWith('>') ? path[1..^1] : path;
    }

    private static string Fold(IEnumerable<string> tokens)
    {
        var sb = new StringBuilder();
        var line = new StringBuilder();
        foreach (var token in tokens)
        {
            if (line.Length == 0)
            {
                line.Append(token);
                continue;
            }
            // Never before an empty token (from two spaces in a row): a folded line of only a space is not allowed.
            if (token.Length > 0 && line.Length + 1 + token.Length > FoldAt)
            {
                sb.Append(line).Append("\r\n");
                line.Clear().Append(' ').Append(token);
                continue;
            }
            line.Append(' ').Append(token);
        }
        return sb.Append(line).Append("\r\n").ToString();
    }

    // RFC 5322 dot-atom of atext; anything else (':' of an IPv6 address or of "ip4:...", '@' is atext-free too) is quoted.
    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$")]
    private static partial Regex DotAtom();
}
