namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// Rspamd's verdict on one message, or why there is none (<see cref="Outcome"/>). A scan that did not happen has
/// <see cref="RspamdAction.NoAction"/>, zero scores and no symbols, so code that forgets to look at
/// <see cref="Unavailable"/> reads "nothing found" rather than crashing; callers that must tempfail check it.
/// </summary>
public sealed record RspamdScan
{
    public RspamdScanOutcome Outcome { get; init; } = RspamdScanOutcome.Scanned;

    /// <summary>Rspamd was down, slow or answered garbage; <see cref="Reason"/> says which.</summary>
    public bool Unavailable => Outcome == RspamdScanOutcome.Unavailable;

    /// <summary>The message was too large to send; <see cref="Reason"/> gives the sizes.</summary>
    public bool Skipped => Outcome == RspamdScanOutcome.Skipped;

    /// <summary>Why there is no verdict; null when scanned.</summary>
    public string? Reason { get; init; }

    public RspamdAction Action { get; init; } = RspamdAction.NoAction;

    /// <summary>The action as Rspamd spelled it ("no action", "add header", ...), for logs and unknown actions.</summary>
    public string? ActionName { get; init; }

    public double Score { get; init; }

    /// <summary>The score at which Rspamd would reject (the threshold of its reject action).</summary>
    public double RequiredScore { get; init; }

    public IReadOnlyDictionary<string, RspamdSymbol> Symbols { get; init; } = EmptySymbols;

    /// <summary>The rewritten subject Rspamd proposes with <see cref="RspamdAction.RewriteSubject"/>.</summary>
    public string? Subject { get; init; }

    /// <summary>The text Rspamd wants in the SMTP reply (<c>messages.smtp_message</c>), e.g. for a reject.</summary>
    public string? SmtpMessage { get; init; }

    /// <summary>Headers Rspamd asks to add (<c>milter.add_headers</c>).</summary>
    public IReadOnlyList<RspamdHeader> AddHeaders { get; init; } = [];

    /// <summary>Headers Rspamd asks to remove (<c>milter.remove_headers</c>): name to occurrence, 0 meaning all.</summary>
    public IReadOnlyDictionary<string, int> RemoveHeaders { get; init; } = EmptyRemovals;

    /// <summary>The Message-ID Rspamd saw, as it reports it.</summary>
    public string? MessageId { get; init; }

    /// <summary>Rspamd stopped before running all rules (its <c>is_skipped</c>): a pre-result such as GTUBE or a
    /// settings rule decided early, so the symbols are incomplete by design.</summary>
    public bool StoppedEarly { get; init; }

    public bool HasSymbol(string name) => Symbols.ContainsKey(name);

    public static RspamdScan ForUnavailable(string reason) => new() { Outcome = RspamdScanOutcome.Unavailable, Reason = reason };

    public static RspamdScan ForSkipped(string reason) => new() { Outcome = RspamdScanOutcome.Skipped, Reason = reason };

    private static readonly IReadOnlyDictionary<string, RspamdSymbol> EmptySymbols = new Dictionary<string, RspamdSymbol>();
    private static readonly IReadOnlyDictionary<string, int> EmptyRemovals = new Dictionary<string, int>();
}
