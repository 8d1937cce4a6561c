namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// One recipient an asynchronous bounce reports. <see cref="Action"/> is RFC 3464's ("failed" or "delayed");
/// <see cref="Status"/> the enhanced status code; <see cref="DiagnosticCode"/> the remote server's answer as quoted;
/// <see cref="RemoteMta"/> the server that gave it. <see cref="OriginalMessageId"/> (without angle brackets) and
/// <see cref="OriginalEnvelopeId"/> (RFC 3461 ENVID) identify the bounced message when the report carries them.
/// </summary>
public sealed record BouncedRecipient(
    string Recipient,
    string Action,
    string? Status,
    string? DiagnosticCode,
    string? RemoteMta,
    BounceCategory Category,
    BounceFormat Format)
{
    public string? OriginalRecipient { get; init; }
    public string? OriginalMessageId { get; init; }
    public string? OriginalEnvelopeId { get; init; }
}
