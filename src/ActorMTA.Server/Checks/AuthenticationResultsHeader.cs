using System.Text;

namespace ActorMTA.Server.Checks;

/// <summary>
/// Builds one Authentication-Results field (RFC 8601): the authserv-id, then one "method=result property=value"
/// resinfo per check, each on its own folded line. Values that come from the client (HELO names, addresses,
/// domains) are reduced to characters that can neither end the field nor start a new one.
/// </summary>
public sealed class AuthenticationResultsHeader(string authServId)
{
    private readonly List<string> _results = new();

    public bool IsEmpty => _results.Count == 0;

    /// <summary>Adds "method=result" with its properties (ptype.property=value) and an optional comment.</summary>
    public AuthenticationResultsHeader Add(string method, string result, string? comment = null, params (string Name, string? Value)[] properties)
    {
        var sb = new StringBuilder();
        sb.Append(method).Append('=').Append(result);
        if (!string.IsNullOrEmpty(comment)) sb.Append(" (").Append(Comment(comment)).Append(')');
        foreach (var (name, value) in properties)
            if (!string.IsNullOrEmpty(value)) sb.Append(' ').Append(name).Append('=').Append(Value(value));
        _results.Add(sb.ToString());
        return this;
    }

    /// <summary>The whole field, folded, ending in CRLF; "none" when no check ran (RFC 8601 section 2.2).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Authentication-Results: ").Append(Value(authServId));
        if (_results.Count == 0) return sb.Append("; none\r\n").ToString();
        foreach (var result in _results) sb.Append(";\r\n\t").Append(result);
        return sb.Append("\r\n").ToString();
    }

    /// <summary>The authserv-id of an Authentication-Results field's value, or null when it has none.</summary>
    public static string? AuthServIdOf(string fieldValue)
    {
        var text = StripComments(fieldValue).Trim();
        var end = text.IndexOfAny([';', ' ', '\t', '\r', '\n']);
        var id = end < 0 ? text : text[..end];
        return id.Length == 0 ? null : id;
    }

    // A value is a token or a quoted-string (RFC 8601 section 2.2); quoting everything unusual keeps it both parseable and safe.
    private static string Value(string value)
    {
        var clean = new StringBuilder(value.Length);
        foreach (var ch in value) clean.Append(ch is < ' ' or '\u007f' ? '_' : ch);
        var s = clean.ToString();
        return s.Length > 0 && s.All(IsTokenChar) ? s : "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static bool IsTokenChar(char c) => c > ' ' && c < '\u007f' && "()<>,;:\\\"[]?=".IndexOf(c) < 0 || c is '@' or '.' or '-' or '+' or '_';

    private static string Comment(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text) sb.Append(ch is < ' ' or '\u007f' or '(' or ')' or '\\' ? '_' : ch);
        return sb.ToString();
    }

    private static string StripComments(string text)
    {
        var sb = new StringBuilder(text.Length);
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '\\' && i + 1 < text.Length && (depth > 0 || quoted)) { i++; continue; }
            if (!quoted && ch == '(') { depth++; continue; }
            if (!quoted && ch == ')' && depth > 0) { depth--; continue; }
            if (depth > 0) continue;
            if (ch == '"') quoted = !quoted;
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
