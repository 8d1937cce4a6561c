namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// A parsed "v=spf1" record: its directives in order, its redirect= and exp= modifiers (each at most once) and any
/// other modifiers, which evaluation ignores.
/// </summary>
public sealed record SpfRecord(
    IReadOnlyList<SpfDirective> Directives,
    SpfMacroString? Redirect,
    SpfMacroString? Explanation,
    IReadOnlyList<SpfModifier> OtherModifiers)
{
    /// <summary>
    /// Whether a TXT record is an SPF record: "v=spf1" (any case, as ABNF strings are) followed by a space or the
    /// end (section 4.5), so "v=spf10" and "v=spf1x" are other records and do not make a domain's record ambiguous.
    /// </summary>
    public static bool IsSpf(string txt) =>
        txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');

    /// <summary>Parses a record; false with the reason on any syntax error, which makes the check a permerror.</summary>
    public static bool TryParse(string txt, out SpfRecord? record, out string? error) => SpfRecordParser.TryParse(txt, out record, out error);
}
