namespace ActorMTA.Storage.Content;

/// <summary>
/// A temp file in the spool being written through a buffered FileStream: bytes go to the page cache, never
/// into memory as a whole message. The state decides who may still touch the file (writer, committer or nobody).
/// </summary>
internal sealed class FileContentWriter : ContentWriter
{
    // Small: it only gathers the few short writes of a message's header (Received:, added fields); body chunks
    // from the socket are larger and bypass it. A 64 KiB buffer per message was 160 MB/s of garbage at 2,500 msg/s.
    private const int BufferSize = 4 * 1024;

    private const int Writing = 0;
    private const int Committing = 1;
    private const int Finished = 2;

    private readonly FileStream _stream;
    private int _state = Writing;
    private long _finalLength = -1;

    /// <param name="mode">CreateNew for a new temp file, Truncate for an empty spare file taken from the pool.</param>
    public FileContentWriter(FileContentStore owner, string queueId, string tempPath, FileMode mode)
    {
        Owner = owner;
        QueueId = queueId;
        TempPath = tempPath;
        _stream = new FileStream(tempPath, mode, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.None);
    }

    public FileContentStore Owner { get; }
    public string TempPath { get; }
    public override string QueueId { get; }
    public override Stream Stream => _stream;
    public FileStream FileStream => _stream;

    public override long Length => _finalLength >= 0 ? _finalLength : _stream.Length;

    public override Stream OpenWritten() => OpenTempFile(_stream, TempPath);

    /// <summary>Hands the file to the committer; false when it was already committed or aborted.</summary>
    public bool TryBeginCommit()
    {
        return Interlocked.CompareExchange(ref _state, Committing, Writing) == Writing;
    }

    /// <summary>Records the final size once the buffer is flushed, before the committer may close the stream.</summary>
    public void SealLength()
    {
        _finalLength = _stream.Length;
    }

    /// <summary>Called by the committer once the file is synced; closes the handle.</summary>
    public void CloseAfterCommit()
    {
        _stream.Dispose();
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
        try { _stream.Dispose(); } catch (IOException) { /* buffered bytes we are discarding anyway */ }
        try { File.Delete(TempPath); } catch (IOException) { /* leftover is removed at next startup */ }
    }
}
