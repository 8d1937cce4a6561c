namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// What one SPF check decided. <paramref name="Domain"/> is the domain the check started at (the identity's domain),
/// not a redirect or include target. <paramref name="Explanation"/> is the expanded exp= text, only for
/// <see cref="SpfResult.Fail"/> and only when the record had a usable one. <paramref name="Mechanism"/> is the
/// mechanism that matched, without its qualifier, or "default" when none did. <paramref name="Problem"/> says why
/// the result is <see cref="SpfResult.PermError"/> or <see cref="SpfResult.TempError"/> (also set for
/// <see cref="SpfResult.None"/>, to tell "no record" from "not a checkable domain").
/// </summary>
public sealed record SpfOutcome(SpfResult Result, string Domain, string? Explanation, string? Mechanism, string? Problem);
