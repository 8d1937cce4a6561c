namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>How a learn request ended.</summary>
public enum RspamdLearnOutcome
{
    /// <summary>Rspamd's classifier took the message.</summary>
    Learned,

    /// <summary>Rspamd had learned this message (same Message-ID/digest) as this class before: nothing to do, not an
    /// error, so that retried or duplicated learn requests are harmless.</summary>
    AlreadyLearned,

    /// <summary>Not sent: larger than <see cref="RspamdOptions.MaxMessageSize"/>.</summary>
    Skipped,

    /// <summary>Refused (wrong password, too few tokens, no classifier) or Rspamd unreachable; see the reason.</summary>
    Failed,
}
