namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// One message of the maildrop as the session actor loads it; list position i is message number i+1.
/// </summary>
/// <param name="Uid">Unique-id listing value (RFC 1939 section 7): 1..70 characters in 0x21..0x7E.</param>
/// <param name="Size">Exact octet count of the stored message (CRLF line ends, before dot-stuffing).</param>
public sealed record Pop3Message(string Uid, long Size);
