namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// Classifies a reply (or a DSN's status and diagnostic) by ordered rules, the first match winning: the operator's
/// rules, then the shipped ones; when none matches, by what the enhanced status code means (RFC 3463); else
/// Uncategorized. Immutable and thread-safe; called for every delivery result, so each reply code is given only the
/// rules that can match it, and a rule's text pattern runs only after its code and status criteria held.
/// </summary>
public sealed class BounceClassifier
{
    public static readonly BounceClassifier Fallback = new([]);

    public IReadOnlyList<BounceRule> Rules { get; }

    // Index: reply code 0..599 (0 when unknown); each entry keeps configuration order.
    private readonly BounceRule[][] _byCode;

    public BounceClassifier(IEnumerable<BounceRule> rules)
    {
        Rules = rules.ToArray();
        _byCode = new BounceRule[600][];
        for (var code = 0; code < _byCode.Length; code++)
        {
            var c = code;
            _byCode[code] = Rules.Where(r => r.AdmitsCode(c)).ToArray();
        }
    }

    /// <summary>Operator rules first: they decide wherever they match, and a shipped rule only where none does.</summary>
    public static BounceClassifier Of(IEnumerable<BounceRule> operatorRules, IEnumerable<BounceRule> shippedRules) =>
        new(operatorRules.Concat(shippedRules));

    /// <param name="replyCode">The SMTP reply code; 0 when there was none (a DSN without a diagnostic code).</param>
    /// <param name="enhancedStatus">"5.1.1"; null to take it from the start of <paramref name="text"/> when it begins with one.</param>
    /// <param name="text">The reply text (lines joined), with or without the enhanced code in front.</param>
    public BounceCategory Classify(int replyCode, string? enhancedStatus, string text) => Explain(replyCode, enhancedStatus, text).Category;

    /// <summary>The category of a DSN-style diagnostic ("smtp; 550 5.1.1 no such user", or a reply line as a queue keeps
    /// it); <paramref name="status"/> stands in when the text carries no enhanced code.</summary>
    public BounceCategory ClassifyDiagnostic(string? diagnostic, string? status = null)
    {
        var parsed = SmtpDiagnostic.Parse(diagnostic);
        return Classify(parsed.ReplyCode, parsed.EnhancedStatus ?? status, parsed.Text);
    }

    /// <summary>The category and the rule that gave it (null: the RFC 3463 fallback or Uncategorized), for logs and `why` questions.</summary>
    public (BounceCategory Category, BounceRule? Rule) Explain(int replyCode, string? enhancedStatus, string text)
    {
        text ??= "";
        var status = string.IsNullOrWhiteSpace(enhancedStatus) ? EnhancedStatus.Leading(text) : enhancedStatus.Trim();
        var candidates = replyCode is >= 0 and < 600 ? _byCode[replyCode] : _byCode[0];
        foreach (var rule in candidates)
            if (rule.Matches(replyCode, status, text))
                return (rule.Category, rule);
        return (EnhancedStatusCategories.Of(status), null);
    }
}
