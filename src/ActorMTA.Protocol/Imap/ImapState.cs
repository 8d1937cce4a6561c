namespace ActorMTA.Protocol.Imap;

/// <summary>Connection states of RFC 3501 section 3.</summary>
public enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
