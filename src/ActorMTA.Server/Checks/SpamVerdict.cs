using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Checks;

/// <summary>What becomes of a message the checks looked at.</summary>
public enum SpamAction
{
    Deliver,

    /// <summary>Delivered, but into each local recipient's Junk folder (relayed mail is delivered as is, headers added).</summary>
    Junk,

    /// <summary>550 5.7.1 at the end of data: nothing is stored.</summary>
    Reject,

    /// <summary>451 4.7.1 at the end of data: the sender tries again later.</summary>
    TempFail,
}

/// <summary>
/// The one verdict of the inbound checks: the action, the reply when refused, and the header fields (ending in CRLF)
/// added to an accepted message: Authentication-Results, Received-SPF, X-Spam-Score and X-Spam-Status.
/// </summary>
public sealed record SpamVerdict(SpamAction Action, SmtpReply? Reply, string Headers, double Score, string Summary)
{
    public static SmtpReply Rejected(string why) => new(550, "5.7.1", why);

    public static SmtpReply Deferred(string why) => new(451, "4.7.1", why);
}
