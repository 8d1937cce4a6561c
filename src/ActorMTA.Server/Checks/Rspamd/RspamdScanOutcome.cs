namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>Whether a scan produced a verdict. Only <see cref="Scanned"/> carries Rspamd's action, score and symbols.</summary>
public enum RspamdScanOutcome
{
    /// <summary>Rspamd answered with a verdict.</summary>
    Scanned,

    /// <summary>Not sent, deliberately: the message exceeded <see cref="RspamdOptions.MaxMessageSize"/>.</summary>
    Skipped,

    /// <summary>Rspamd could not be asked or its answer was unusable (refused, timed out, non-200, bad JSON).
    /// The caller chooses between accepting unscanned and a temporary failure.</summary>
    Unavailable,
}
