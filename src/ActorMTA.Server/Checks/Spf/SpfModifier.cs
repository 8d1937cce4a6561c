namespace ActorMTA.Server.Checks.Spf;

/// <summary>A modifier that is neither redirect nor exp: kept because it parsed, ignored in evaluation (RFC 7208
/// section 6).</summary>
public sealed record SpfModifier(string Name, SpfMacroString Value);
