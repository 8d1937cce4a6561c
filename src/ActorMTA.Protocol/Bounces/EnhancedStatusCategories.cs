namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// The category an enhanced status code implies by itself (RFC 3463 section 3, with the later codes of the IANA
/// "Enumerated Status Codes" registry), used when no rule matched. Keyed by subject.detail, whatever the class: a
/// 4.2.2 and a 5.2.2 are both a full mailbox; whether to retry is the class's business, not the category's.
/// </summary>
public static class EnhancedStatusCategories
{
    public static BounceCategory Of(string? enhancedStatus)
    {
        if (!EnhancedStatus.TryParse(enhancedStatus, out _, out var subject, out var detail)) return BounceCategory.Uncategorized;
        return (subject, detail) switch
        {
            // X.1.10: RFC 7505, the recipient's domain publishes a null MX (it takes no mail at all).
            (1, 2) or (1, 10) => BounceCategory.BadDomain,
            // X.1.1 bad mailbox, X.1.3 bad syntax, X.1.4 ambiguous, X.1.6 moved (no forwarding address).
            (1, 0) or (1, 1) or (1, 3) or (1, 4) or (1, 6) => BounceCategory.InvalidRecipient,
            // X.1.7/X.1.8 are about our sender address; X.1.5 is "valid", never a failure reason of its own.
            (1, 7) or (1, 8) => BounceCategory.PolicyRelated,
            (2, 1) => BounceCategory.InvalidRecipient,
            (2, 2) => BounceCategory.MailboxFull,
            (2, 3) or (3, 4) => BounceCategory.MessageTooLarge,
            (3, 1) => BounceCategory.MailboxFull,
            (3, 3) => BounceCategory.ProtocolError,
            (4, 1) or (4, 2) => BounceCategory.ConnectionTimeout,
            (4, 0) or (4, 3) or (4, 4) or (4, 6) => BounceCategory.RoutingError,
            (4, 7) => BounceCategory.Expired,
            (5, _) => BounceCategory.ProtocolError,
            // RFC 4954 X.7.8 (credentials invalid); RFC 7372 X.7.20 to X.7.26 (DKIM, SPF, reverse DNS, several checks failed).
            (7, 8) or (7, >= 20 and <= 26) => BounceCategory.AuthenticationFailure,
            (7, _) => BounceCategory.PolicyRelated,
            _ => BounceCategory.Uncategorized,
        };
    }
}
