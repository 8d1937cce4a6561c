namespace ActorMTA.Protocol.Imap;

/// <summary>Data items of the STATUS command (RFC 3501 section 6.3.10).</summary>
public enum ImapStatusItem
{
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    /// <summary>RFC 7162 section 3.1.6.</summary>
    HighestModSeq,
}
