namespace ActorMTA.Storage.Content;

/// <summary>
/// Settings of <see cref="FileContentStore"/>. The caller fills them from HOCON:
/// <c>actormta.storage.group-commit-max-batch</c> and <c>actormta.storage.group-commit-parallelism</c>;
/// <see cref="RootDirectory"/> is <c>data-dir</c> combined with <c>actormta.storage.spool-dir</c>.
/// </summary>
public sealed record ContentStoreOptions(string RootDirectory, int GroupCommitMaxBatch = 512, int GroupCommitParallelism = 16)
{
    public SyncMode SyncMode { get; init; } = SyncMode.PerFile;

    /// <summary>Released files kept (empty) to be written over instead of creating new ones; 0 turns it off.</summary>
    public int SpareFiles { get; init; } = 1024;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RootDirectory))
            throw new ArgumentException("The spool root directory is required.", nameof(RootDirectory));
        if (GroupCommitMaxBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(GroupCommitMaxBatch), GroupCommitMaxBatch, "Must be at least 1.");
        if (SpareFiles < 0)
            throw new ArgumentOutOfRangeException(nameof(SpareFiles), SpareFiles, "Must not be negative.");
        if (GroupCommitParallelism < 1)
            throw new ArgumentOutOfRangeException(nameof(GroupCommitParallelism), GroupCommitParallelism, "Must be at least 1.");
    }
}
