namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// What Rspamd recommends doing with a message (its <c>action</c>). <see cref="Unknown"/> stands for an action
/// this client does not know (Rspamd allows custom ones such as "discard" or "quarantine"): the raw name is kept in
/// <see cref="RspamdScan.ActionName"/> so the caller decides rather than this mapping guessing.
/// </summary>
public enum RspamdAction
{
    NoAction,
    Greylist,
    AddHeader,
    RewriteSubject,
    SoftReject,
    Reject,
    Unknown,
}
