using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// One recipient reported in a delivery status notification (named for the common case, a failure).
/// <paramref name="Status"/> is the RFC 3463 code ("5.1.1"); <paramref name="DiagnosticCode"/> is
/// "type; text" as in RFC 3464 ("smtp; 550 5.1.1 no such user"); a text without a type gets "X-ActorMTA; ".
/// <paramref name="RemoteMta"/> is the host name of the server that answered, if one did.
/// </summary>
public sealed record FailedRecipient(
    string Address,
    string Status,
    string? DiagnosticCode,
    string? RemoteMta,
    DateTimeOffset? LastAttempt)
{
    /// <summary>What happened to the recipient; null: failed, or delayed in a delay warning.</summary>
    public DsnAction? Action { get; init; }

    /// <summary>The recipient's NOTIFY=/ORCPT= (RFC 3461): whether it wants this report, and its Original-Recipient.</summary>
    public DsnRecipientParameters Dsn { get; init; } = DsnRecipientParameters.None;

    /// <summary>The bounce category of the failure (actormta.bounces), reported as X-ActorMTA-Bounce-Category; null: none.</summary>
    public string? Category { get; init; }

    public DsnAction ActionIn(bool delayWarning) => Action ?? (delayWarning ? DsnAction.Delayed : DsnAction.Failed);

    /// <summary>RFC 3461 section 4.1: NOTIFY says which reports the sender wants; without it, failures and delays.</summary>
    public bool WantsReport(bool delayWarning) => ActionIn(delayWarning) switch
    {
        DsnAction.Failed => Dsn.WantsFailure,
        DsnAction.Delayed => Dsn.WantsDelay,
        _ => Dsn.WantsSuccess,
    };
}
