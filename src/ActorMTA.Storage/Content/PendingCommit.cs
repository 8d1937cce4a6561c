namespace ActorMTA.Storage.Content;

/// <summary>One writer waiting in the group committer's queue, and the task its session awaits.</summary>
internal sealed class PendingCommit
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Cancelled = 2;

    private int _state = Queued;

    public PendingCommit(FileContentWriter writer, int referenceCount)
    {
        Writer = writer;
        ReferenceCount = referenceCount;
    }

    public FileContentWriter Writer { get; }
    public int ReferenceCount { get; }

    // Continuations must not run on the committer thread: they would delay the next batch.
    public TaskCompletionSource<IReadOnlyList<string>> Completion { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set by the batch while it works on this commit.</summary>
    public IReadOnlyList<string>? References { get; set; }
    public string? Directory { get; set; }
    public Exception? Failure { get; set; }

    /// <summary>The committer claims the commit; false when the caller cancelled first.</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

    /// <summary>The caller gives up; only possible before the committer claimed it.</summary>
    public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;
}
