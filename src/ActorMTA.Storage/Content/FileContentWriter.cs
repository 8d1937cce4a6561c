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

    // A spare file still holds the bytes of the message released into it; they are written over, and whatever of
    // them lies past this message's end is cut off before anyone reads the file back or it is committed.
    private bool _staleTail;

    /// <param name="mode">CreateNew for a new temp file, Open for a spare file taken from the pool.</param>
    public FileContentWriter(FileContentStore owner, string queueId, string tempPath, FileMode mode)
    {
        Owner = owner;
        QueueId = queueId;
        TempPath = tempPath;
        _stream = new FileStream(tempPath, mode, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.None);
        _staleTail = mode == FileMode.Open;
    }

    public FileContentStore Owner { get; }
    public string TempPath { get; }
    public override string QueueId { get; }
    public override Stream Stream => _stream;
    public FileStream FileStream => _stream;

    // Content is only ever appended (or restarted from 0), so the position is its length, stale tail or not.
    public override long Length => _finalLength >= 0 ? _finalLength : _stream.Position;

    public override Stream OpenWritten()
    {
        CutStaleTail();
        return OpenTempFile(_stream, TempPath);
    }

    /// <summary>Hands the file to the committer; false when it was already committed or aborted.</summary>
    public bool TryBeginCommit()
    {
        return Interlocked.CompareExchange(ref _state, Committing, Writing) == Writing;
    }

    /// <summary>Records the final size once the buffer is flushed, before the committer may close the stream.</summary>
    public void SealLength()
    {
        CutStaleTail();
        _finalLength = _stream.Position;
    }

    /// <summary>Writes again from the start over the same blocks; whatever the new content leaves of the old past its
    /// end is cut like a spare file's (stamping mostly makes a message longer, so usually nothing is).</summary>
    public override void Restart()
    {
        _stream.Flush();
        _stream.Position = 0;
        _staleTail = true;
    }

    private void CutStaleTail()
    {
        if (!_staleTail)
            return;
        _stream.Flush();
        // Writes after this only extend the file, so one cut is enough.
        if (_stream.Length > _stream.Position)
            _stream.SetLength(_stream.Position);
        _staleTail = false;
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
