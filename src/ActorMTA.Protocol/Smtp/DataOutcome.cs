namespace ActorMTA.Protocol.Smtp;

/// <summary>How reading message content (DATA up to CRLF.CRLF, or one BDAT chunk) ended.</summary>
public enum DataOutcome
{
    /// <summary>All bytes were read and stored, within the size limit.</summary>
    Complete,

    /// <summary>The content exceeded the maximum message size; it was read and discarded (552 5.3.4).</summary>
    TooBig,

    /// <summary>The content could not be received or stored (451 4.3.0); the transaction is abandoned.</summary>
    Aborted,

    /// <summary>The content has a bare CR or LF (RFC 5321 section 2.3.8) and the server refuses such
    /// content; it was read to its end and discarded (554 5.6.0).</summary>
    BareLineEnd,

    /// <summary>The header already has more Received: fields than the hop limit: the message is looping
    /// (RFC 5321 section 6.3); discarded (554 5.4.6).</summary>
    TooManyHops,

    /// <summary>The content could not be stored for lack of storage (disk full, I/O error); it was read to its end and
    /// discarded (452 4.3.1), the session goes on.</summary>
    InsufficientStorage,
}
