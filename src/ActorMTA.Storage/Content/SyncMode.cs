namespace ActorMTA.Storage.Content;

/// <summary>How a group-commit batch is made durable.</summary>
public enum SyncMode
{
    /// <summary>
    /// fsync every content file of the batch concurrently, then fsync each touched directory once.
    /// Only the batch's own data is written back, so unrelated dirty data on the disk does not slow it down.
    /// The default: on par in throughput, far steadier latency when other processes write to the same filesystem.
    /// </summary>
    PerFile,

    /// <summary>
    /// One syncfs(2) per batch for the whole filesystem that holds the spool. Cheaper in syscalls, but it also
    /// writes back every other dirty page on that filesystem (journal, logs, other processes).
    /// </summary>
    FileSystem,
}
