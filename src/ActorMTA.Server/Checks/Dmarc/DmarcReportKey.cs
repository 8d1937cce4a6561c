namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// One row of an aggregate report (RFC 7489 appendix C): the sending address, what was done with the message, the
/// aligned DKIM and SPF verdicts, the From domain, and why the disposition differs from the policy when it does
/// (appendix C PolicyOverrideType: "sampled_out", "forwarded", "trusted_forwarder", "local_policy", ...).
/// </summary>
public readonly record struct DmarcReportKey(
    string SourceIp,
    DmarcPolicy Disposition,
    bool DkimAligned,
    bool SpfAligned,
    string HeaderFrom,
    string? PolicyOverride = null);
