namespace ActorMTA.Storage.Content;

/// <summary>
/// A temp file in the spool on its way to being a committed message (renamed into place once synced). The state
/// decides who may still touch the file (writer, committer or nobody).
/// </summary>
internal sealed class FileContentWriter : SpoolFileWriter
{
    private const int Writing = 0;
    private const int Committing = 1;
    private const int Finished = 2;

    private int _state = Writing;
    private long _finalLength = -1;

    /// <param name="mode">CreateNew for a new temp file, Open for a spare file taken from the pool.</param>
    public FileContentWriter(FileContentStore owner, string queueId, string tempPath, FileMode mode)
        : base(queueId, tempPath, mode)
    {
        Owner = owner;
    }

    public FileContentStore Owner { get; }

    public override long Length => _finalLength >= 0 ? _finalLength : WrittenLength;

    /// <summary>Hands the file to the committer; false when it was already committed or aborted.</summary>
    public bool TryBeginCommit()
    {
        return Interlocked.CompareExchange(ref _state, Committing, Writing) == Writing;
    }

    /// <summary>Records the final size once the buffer is flushed, before the committer may close the stream.</summary>
    public void SealLength()
    {
        CutStaleTail();
        _finalLength = WrittenLength;
    }

    /// <summary>Called by the committer once the file is synced; closes the handle.</summary>
    public void CloseAfterCommit()
    {
        FileStream.Dispose();
        Volatile.Write(ref _state, Finished);
    }

    /// <summary>Deletes the temp file unless the committer owns it. Safe to call more than once.</summary>
    public void Abort()
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Writing) != Writing)
            return;
        DeleteQuietly();
    }

    /// <summary>Deletes the temp file on behalf of the committer (failed or cancelled commit).</summary>
    public void DeleteAfterFailedCommit()
    {
        DeleteQuietly();
        Volatile.Write(ref _state, Finished);
    }

    public override void Dispose()
    {
        // Disposing a writer that was never committed drops its content; after a commit it is a no-op.
        Abort();
    }

    private void DeleteQuietly()
    {
        try { FileStream.Dispose(); } catch (IOException) { /* buffered bytes we are discarding anyway */ }
        try { File.Delete(TempPath); } catch (IOException) { /* leftover is removed at next startup */ }
    }
}
