namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>One symbol Rspamd's rules inserted: its name, the score it added, its options (rule-specific details such
/// as the matched domain) and the description Rspamd gives for it, if any.</summary>
public sealed record RspamdSymbol(string Name, double Score, IReadOnlyList<string> Options, string? Description);
