namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>How many messages about <see cref="PolicyDomain"/> fell into one <see cref="DmarcReportKey"/>.</summary>
public sealed record DmarcReportRow(string PolicyDomain, DmarcReportKey Key, long Count);
