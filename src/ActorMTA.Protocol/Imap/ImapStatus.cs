namespace ActorMTA.Protocol.Imap;

/// <summary>Status response conditions (RFC 3501 section 7.1).</summary>
public enum ImapStatus
{
    Ok,
    No,
    Bad,
    PreAuth,
    Bye,
}
