namespace ActorMTA.Protocol.Imap;

/// <summary>A SORT key (RFC 5256 section 3; DISPLAYFROM and DISPLAYTO are RFC 5957).</summary>
public enum SortKey
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// <summary>One SORT criterion: a key, optionally REVERSE.</summary>
public sealed record SortCriterion(SortKey Key, bool Reverse = false);
