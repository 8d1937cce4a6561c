namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// One complaint (RFC 5965 abuse report), as read from an ARF message. <see cref="FeedbackType"/> is lower case
/// ("abuse", "fraud", "virus", "not-spam", "other", or a type registered since). <see cref="Recipient"/> is the
/// address that complained: Original-Rcpt-To when the report gives it, else the To of the enclosed original (many
/// providers redact or omit the first). <see cref="OriginalMessageId"/> is without angle brackets.
/// <see cref="OriginalReceived"/> holds the Received fields of the enclosed original (newest first), where the
/// sending MTA can find its own queue id.
/// </summary>
public sealed record FeedbackReport(string FeedbackType, string? Recipient)
{
    public string? UserAgent { get; init; }
    public string? Version { get; init; }
    public string? OriginalMailFrom { get; init; }
    public IReadOnlyList<string> OriginalRcptTo { get; init; } = [];
    public string? ArrivalDate { get; init; }
    public string? SourceIp { get; init; }
    public string? ReportedDomain { get; init; }
    public string? ReportingMta { get; init; }
    public string? OriginalMessageId { get; init; }
    public string? OriginalSubject { get; init; }
    public IReadOnlyList<string> OriginalReceived { get; init; } = [];

    /// <summary>Any field of the original's header that the caller asks for by name, e.g. a queue id the sender stamped.</summary>
    public IReadOnlyDictionary<string, string> OriginalFields { get; init; } = new Dictionary<string, string>();
}
