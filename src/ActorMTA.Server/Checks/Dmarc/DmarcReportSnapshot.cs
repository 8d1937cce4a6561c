namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// The counts of one reporting period, [<see cref="Begin"/>, <see cref="End"/>), with the record each policy domain
/// last published (the report's policy_published, and where its rua= says to send it).
/// </summary>
public sealed record DmarcReportSnapshot(
    DateTimeOffset Begin,
    DateTimeOffset End,
    IReadOnlyList<DmarcReportRow> Rows,
    IReadOnlyDictionary<string, DmarcRecord> Published);
