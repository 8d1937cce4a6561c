namespace ActorMTA.Storage;

/// <summary>
/// Message content lives outside the journal. The journal only holds content references.
/// Every holder of a message (one mailbox entry, one queue entry) owns exactly one reference;
/// the bytes are freed when the last reference is released, so nobody has to keep a shared count.
/// </summary>
public interface IContentStore
{
    /// <summary>Starts a new content file. Bytes are streamed in; nothing is durable yet.</summary>
    ContentWriter BeginWrite(string queueId);

    /// <summary>
    /// Makes the written content durable (fsync via group commit with other sessions' commits)
    /// and returns <paramref name="references"/> independent references to it.
    /// Completes only when the data and the directory entries are on disk.
    /// </summary>
    Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default);

    /// <summary>Drops a content file that was never committed (client went away, message refused).</summary>
    void Abort(ContentWriter writer);

    /// <summary>Opens a committed reference for reading (bytes exactly as stored).</summary>
    Stream OpenRead(string reference);

    /// <summary>Size in bytes of the content behind a reference.</summary>
    long GetLength(string reference);

    /// <summary>Creates one more reference to the same bytes (IMAP COPY, a bounce holding the original).</summary>
    string AddReference(string reference);

    /// <summary>Releases one reference; the bytes go when none is left. Releasing an unknown reference is a no-op.</summary>
    void Release(string reference);

    /// <summary>True when the reference exists.</summary>
    bool Exists(string reference);
}

/// <summary>A content file being written. Write to <see cref="Stream"/>; the store owns the file.</summary>
public abstract class ContentWriter : IDisposable
{
    public abstract string QueueId { get; }
    public abstract Stream Stream { get; }
    public abstract long Length { get; }
    public abstract void Dispose();

    /// <summary>
    /// Reads back what was written so far (flushed first), before any commit: the inbound checks scan a message while
    /// it is still uncommitted, since a refused message must never become durable. Dispose the stream before
    /// committing or aborting.
    /// </summary>
    public abstract Stream OpenWritten();

    /// <summary>
    /// Empties the uncommitted file so its content can be written again from the start, in the same file. Adding
    /// header fields after the last byte (the checks' verdict, a DKIM signature) this way costs no new file: on ext4
    /// a create next to many recent unlinks scans the inode bitmap, and a second file per message with the unlink of
    /// the first was a quarter of the server's CPU at 700 msg/s.
    /// </summary>
    public virtual void Restart()
    {
        Stream.Flush();
        Stream.SetLength(0);
        Stream.Position = 0;
    }

    /// <summary>A reader of a writer's temp file that never blocks its writer, nor its deletion by an abort.</summary>
    protected static Stream OpenTempFile(Stream writing, string tempPath)
    {
        writing.Flush();
        return new FileStream(tempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024, FileOptions.SequentialScan);
    }
}
