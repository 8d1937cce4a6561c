namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// Thrown by <see cref="DnsDkimPublicKeyLocator"/> to MimeKit's verifiers when there is no usable key, carrying the
/// verdict (temperror or permerror) so a caller that catches it can report it rather than a bare failure.
/// </summary>
public sealed class DkimKeyException(DkimResult result, string message) : Exception(message)
{
    public DkimResult Result { get; } = result;
}
