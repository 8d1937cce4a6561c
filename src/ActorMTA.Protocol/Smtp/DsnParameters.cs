namespace ActorMTA.Protocol.Smtp;

/// <summary>RCPT TO NOTIFY= (RFC 3461 section 4.1). <see cref="Unspecified"/>: the client gave none, which
/// means "FAILURE" or "FAILURE,DELAY" at the server's choice (we report failures and delays).</summary>
[Flags]
public enum DsnNotify : byte
{
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>MAIL FROM RET= (RFC 3461 section 4.3): what a failure report returns of the message.</summary>
public enum DsnReturn : byte
{
    Unspecified = 0,
    Full = 1,
    Headers = 2,
}

/// <summary>
/// The RFC 3461 parameters of one recipient. <paramref name="OriginalRecipient"/> is ORCPT decoded from
/// xtext, with its address type ("rfc822;alice@example.org"); null when not given.
/// </summary>
public sealed record DsnRecipientParameters(DsnNotify Notify, string? OriginalRecipient)
{
    public static readonly DsnRecipientParameters None = new(DsnNotify.Unspecified, null);

    public bool IsNone => Notify == DsnNotify.Unspecified && OriginalRecipient is null;

    /// <summary>A failure is reported unless the client said NEVER or named only other conditions.</summary>
    public bool WantsFailure => Notify == DsnNotify.Unspecified || Notify.HasFlag(DsnNotify.Failure);

    public bool WantsDelay => Notify == DsnNotify.Unspecified || Notify.HasFlag(DsnNotify.Delay);

    public bool WantsSuccess => Notify.HasFlag(DsnNotify.Success);
}

/// <summary>The RFC 3461 parameters of MAIL FROM. <paramref name="EnvelopeId"/> is ENVID decoded from xtext.</summary>
public sealed record DsnMessageParameters(DsnReturn Return, string? EnvelopeId)
{
    public static readonly DsnMessageParameters None = new(DsnReturn.Unspecified, null);

    public bool IsNone => Return == DsnReturn.Unspecified && EnvelopeId is null;
}
