using System.Text.RegularExpressions;

namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// One classification rule: a reply matches when every criterion the rule gives holds. <see cref="Source"/> says
/// where the code or text was seen (a URL or an RFC section), so that a rule can be checked and retired.
/// </summary>
public sealed class BounceRule
{
    /// <summary>Long enough for any sane pattern on a reply of a few lines; short enough that a bad one cannot stall delivery.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    public BounceCategory Category { get; }

    /// <summary>As configured: an exact reply code ("550"), a class ("5" or "5xx"), or null for any.</summary>
    public string? Code { get; }

    /// <summary>As configured: an exact enhanced status ("5.1.1"), a prefix ending in a dot ("5.7."), "X.2.2" for any class, or null.</summary>
    public string? Status { get; }

    /// <summary>The pattern, matched case-insensitively anywhere in the reply text; null for any text.</summary>
    public string? Text { get; }

    public string Source { get; }

    private readonly int _exactCode;
    private readonly int _codeClass;
    private readonly string? _statusExact;
    private readonly string? _statusPrefix;
    private readonly bool _statusAnyClass;
    private readonly Regex? _regex;

    /// <exception cref="ArgumentException">A criterion is malformed; the message names the field.</exception>
    public BounceRule(BounceCategory category, string? code, string? status, string? text, string source)
    {
        Category = category;
        Source = string.IsNullOrWhiteSpace(source) ? throw new ArgumentException("source: every rule says where its code or text comes from") : source.Trim();
        Code = string.IsNullOrWhiteSpace(code) ? null : code.Trim();
        Status = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        Text = string.IsNullOrEmpty(text) ? null : text;
        if (Code is null && Status is null && Text is null)
            throw new ArgumentException("needs at least one of code, status, text (a rule without one would classify every reply)");

        if (Code is not null)
        {
            var c = Code.EndsWith("xx", StringComparison.OrdinalIgnoreCase) ? Code[..^2] : Code;
            if (c is "2" or "4" or "5") _codeClass = c[0] - '0';
            else if (int.TryParse(c, out var n) && c.Length == 3 && n is >= 200 and <= 599) _exactCode = n;
            else throw new ArgumentException($"code: '{Code}' is not a reply code (550) or class (5, 5xx)");
        }

        if (Status is not null)
        {
            var s = Status;
            if (s.Length > 1 && s[0] is 'x' or 'X' && s[1] == '.')
            {
                _statusAnyClass = true;
                s = "5" + s[1..];
            }
            if (s.EndsWith('.'))
            {
                if (!IsStatusPrefix(s)) throw new ArgumentException($"status: '{Status}' is not an enhanced status code (5.1.1) or prefix (5.7.)");
                _statusPrefix = _statusAnyClass ? s[1..] : s;
            }
            else
            {
                if (!EnhancedStatus.IsValid(s)) throw new ArgumentException($"status: '{Status}' is not an enhanced status code (5.1.1) or prefix (5.7.)");
                _statusExact = _statusAnyClass ? s[1..] : s;
            }
        }

        if (Text is not null)
        {
            try { _regex = new Regex(Text, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout); }
            catch (ArgumentException e) { throw new ArgumentException($"text: '{Text}' is not a regular expression ({e.Message})"); }
        }
    }

    /// <summary>Whether the rule's code criterion admits <paramref name="replyCode"/> (0: the reply had none, e.g. a DSN without a diagnostic code).</summary>
    public bool AdmitsCode(int replyCode) =>
        _exactCode != 0 ? replyCode == _exactCode
        : _codeClass == 0 || replyCode / 100 == _codeClass;

    public bool Matches(int replyCode, string? enhancedStatus, string text)
    {
        if (!AdmitsCode(replyCode)) return false;
        if (Status is not null)
        {
            if (enhancedStatus is null || enhancedStatus.Length < 5) return false;
            var s = _statusAnyClass ? enhancedStatus.AsSpan(1) : enhancedStatus.AsSpan();
            if (_statusExact is not null ? !s.Equals(_statusExact, StringComparison.Ordinal) : !s.StartsWith(_statusPrefix, StringComparison.Ordinal))
                return false;
        }
        if (_regex is null) return true;
        try { return _regex.IsMatch(text); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    public override string ToString() =>
        $"{Category} (code {Code ?? "any"}, status {Status ?? "any"}, text {(Text is null ? "any" : "/" + Text + "/")}; {Source})";

    // "5.", "5.7." (a class, or class and subject); "5.7.1." would be an exact code with a stray dot.
    private static bool IsStatusPrefix(string s)
    {
        var parts = s[..^1].Split('.');
        if (parts.Length > 2) return false;
        if (parts[0] is not ("2" or "4" or "5")) return false;
        return parts.Length == 1 || (parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit));
    }
}
