namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// One recipient reported in a delivery status notification.
/// <paramref name="Status"/> is the RFC 3463 code ("5.1.1"); <paramref name="DiagnosticCode"/> is
/// "type; text" as in RFC 3464 ("smtp; 550 5.1.1 no such user"); a text without a type gets "X-ActorMTA; ".
/// <paramref name="RemoteMta"/> is the host name of the server that answered, if one did.
/// </summary>
public sealed record FailedRecipient(
    string Address,
    string Status,
    string? DiagnosticCode,
    string? RemoteMta,
    DateTimeOffset? LastAttempt);
