using System.Text.RegularExpressions;

namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// A remote server's answer as a bounce quotes it ("smtp; 550 5.1.1 &lt;a@b&gt;: user unknown", or the same without
/// the RFC 3464 type): its reply code (0 when none), enhanced status (null when none) and the whole text, blanks
/// collapsed, which is what the classifier's patterns run on.
/// </summary>
public sealed partial record SmtpDiagnostic(int ReplyCode, string? EnhancedStatus, string Text)
{
    public static readonly SmtpDiagnostic None = new(0, null, "");

    public static SmtpDiagnostic Parse(string? diagnostic)
    {
        if (string.IsNullOrWhiteSpace(diagnostic)) return None;
        var text = Blanks().Replace(diagnostic, " ").Trim();
        // RFC 3464 section 2.3.6: "diagnostic-type ; text"; only a type that is one word counts, so a reply that
        // happens to contain a ';' keeps its text.
        var typed = DiagnosticType().Match(text);
        if (typed.Success) text = text[typed.Length..].TrimStart();
        var code = ReplyCodePrefix().Match(text);
        if (!code.Success) return new SmtpDiagnostic(0, Bounces.EnhancedStatus.Leading(text), text);
        var after = text[code.Length..];
        return new SmtpDiagnostic(int.Parse(code.Groups[1].ValueSpan), Bounces.EnhancedStatus.Leading(after), text);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blanks();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]*\s*;")]
    private static partial Regex DiagnosticType();

    [GeneratedRegex(@"^([2-5][0-9][0-9])(?:[ -]|$)")]
    private static partial Regex ReplyCodePrefix();
}
