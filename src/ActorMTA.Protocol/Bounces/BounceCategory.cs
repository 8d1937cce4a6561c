namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// Why a recipient could not be delivered, as a sender acts on it: suppress the address (InvalidRecipient,
/// BadDomain), retry later or slow down (MailboxFull, PolicyRelated), fix the message or the sending setup
/// (MessageTooLarge, SpamRelated, VirusRelated, AuthenticationFailure), or look at the path (RoutingError,
/// ProtocolError, ConnectionTimeout). Expired: given up after the queue's maximum age.
/// </summary>
public enum BounceCategory
{
    Uncategorized,
    InvalidRecipient,
    BadDomain,
    MailboxFull,
    MessageTooLarge,
    PolicyRelated,
    SpamRelated,
    VirusRelated,
    AuthenticationFailure,
    RoutingError,
    ProtocolError,
    ConnectionTimeout,
    Expired,
}
