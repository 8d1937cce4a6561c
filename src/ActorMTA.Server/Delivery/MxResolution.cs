namespace ActorMTA.Server.Delivery;

/// <summary>
/// Outcome of resolving where mail for a domain goes: either hosts in delivery order, or a failure
/// that says whether retrying later can help.
/// </summary>
public abstract record MxResolution
{
    private MxResolution() { }

    /// <summary>Mail exchangers in delivery order: by preference, equal preferences shuffled.</summary>
    public sealed record Hosts(IReadOnlyList<MxHost> Targets) : MxResolution;

    /// <summary>
    /// No host to deliver to. <paramref name="Permanent"/> failures bounce at once (5.x.x);
    /// temporary ones (4.x.x) are retried on the queue's schedule.
    /// </summary>
    public sealed record Failure(bool Permanent, string EnhancedCode, string Text) : MxResolution
    {
        /// <summary>The reply code the recipients fail with: 550 or 451 unless a failure needs its own (554 for a mail loop).</summary>
        public int ReplyCode { get; init; } = Permanent ? 550 : 451;
    }
}
