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
}
