namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// The DMARC verdict on one message. <see cref="AppliedPolicy"/> is what the receiver should do (after pct
/// sampling, and None unless <see cref="Result"/> is Fail); <see cref="PublishedPolicy"/> is what the owner asked
/// for (sp= when the author domain took its organizational domain's record). <see cref="PolicyDomain"/> is where the
/// record was found, the domain aggregate reports are about; null when there was none.
/// <see cref="ReportUris"/> are the record's rua= URIs.
/// </summary>
public sealed record DmarcOutcome(
    DmarcResult Result,
    DmarcPolicy AppliedPolicy,
    DmarcPolicy PublishedPolicy,
    string AuthorDomain,
    string? PolicyDomain,
    bool SpfAligned,
    bool DkimAligned,
    IReadOnlyList<string> ReportUris)
{
    /// <summary>True when pct= left this failing message out of the published policy (RFC 7489 section 6.6.4).</summary>
    public bool SampledOut { get; init; }

    /// <summary>Why the result is not a plain pass or fail: which lookup failed, why a record was unusable.</summary>
    public string? Reason { get; init; }

    /// <summary>The record the verdict came from, for aggregate reports' policy_published; null when none applied.</summary>
    public DmarcRecord? Record { get; init; }
}
