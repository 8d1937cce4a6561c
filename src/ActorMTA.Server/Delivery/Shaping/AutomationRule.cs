using System.Text.RegularExpressions;
using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// One entry of actormta.shaping.automation: which replies it matches (every criterion given must hold), whose
/// replies (<see cref="Provider"/>, or any site when null), and what it does for how long.
/// </summary>
public sealed record AutomationRule(
    string Name,
    int? MatchCode,
    string? MatchEnhanced,
    Regex? MatchText,
    string? Provider,
    AutomationScope Scope,
    IReadOnlyList<AutomationAction> Actions,
    TimeSpan Duration)
{
    /// <summary>
    /// Whether the reply <paramref name="reply"/>, from a site of <paramref name="provider"/>, triggers this rule.
    /// The regex is tried on the reply's text lines joined by spaces, without the codes (which have their own criteria).
    /// </summary>
    public bool Matches(SmtpReply reply, string? provider)
    {
        if (Provider is not null && !string.Equals(Provider, provider, StringComparison.Ordinal)) return false;
        if (MatchCode is { } code && code != reply.Code) return false;
        if (MatchEnhanced is { } enhanced && !string.Equals(enhanced, reply.EnhancedCode, StringComparison.Ordinal)) return false;
        if (MatchText is { } regex)
        {
            try
            {
                if (!regex.IsMatch(string.Join(' ', reply.Lines))) return false;
            }
            catch (RegexMatchTimeoutException)
            {
                // Remote text meets an operator's pattern: a catastrophic backtrack must cost a miss, not a stuck actor.
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Name;
}
