namespace ActorMTA.Protocol.Bounces;

/// <summary>How an asynchronous bounce was written: a standard DSN, or one of the plain-text formats still seen.</summary>
public enum BounceFormat
{
    /// <summary>multipart/report; report-type=delivery-status (RFC 3464, RFC 6522).</summary>
    Rfc3464,
    /// <summary>qmail-send's "Hi. This is the qmail-send program at ..." (qmail 1.03, and netqmail).</summary>
    Qmail,
    /// <summary>Exim before 4.90's plain "This message was created automatically by mail delivery software."</summary>
    Exim,
}
