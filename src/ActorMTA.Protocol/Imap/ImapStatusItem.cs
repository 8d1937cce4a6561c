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
    /// <summary>RFC 9208 section 4.4: messages with \Deleted.</summary>
    Deleted,
    /// <summary>RFC 9208 section 4.4: storage an EXPUNGE would free, in units of 1024 octets (required with QUOTA=RES-STORAGE).</summary>
    DeletedStorage,
}
