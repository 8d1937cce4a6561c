namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// The verdict on one DKIM-Signature field. <see cref="Domain"/> (d=, lowercase) is what DMARC aligns against;
/// <see cref="Selector"/> and <see cref="Algorithm"/> are for Authentication-Results and logs, empty when the
/// field was too broken to say. <see cref="Reason"/> says why it did not pass (or notes a pass with a key in testing
/// mode); null on a plain pass.
/// </summary>
public sealed record DkimSignatureResult(DkimResult Result, string Domain, string Selector, string Algorithm, string? Reason);
