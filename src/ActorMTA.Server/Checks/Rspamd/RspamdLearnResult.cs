namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>The result of a learn request, with Rspamd's or the transport's reason when it was not learned.</summary>
public sealed record RspamdLearnResult(RspamdLearnOutcome Outcome, string? Reason)
{
    /// <summary>The classifier now knows the message, whether from this request or an earlier one.</summary>
    public bool Succeeded => Outcome is RspamdLearnOutcome.Learned or RspamdLearnOutcome.AlreadyLearned;
}
