namespace ActorMTA.Storage.Content;

/// <summary>
/// Content on its way into PostgreSQL: streamed into a local temp file first (never a whole message in memory),
/// handed to the group committer at commit. After the commit the file goes back to the store's spare pool to be
/// written over by a later message (see <see cref="SpareFilePool"/>). The state decides who may still touch it.
/// </summary>
internal sealed class PostgresContentWriter : SpoolFileWriter
{
    private const int Writing = 0;
    private const int Committing = 1;
    private const int Finished = 2;

    private int _state = Writing;
    private long _finalLength = -1;

    /// <param name="mode">CreateNew for a new temp file, Open for a spare file taken from the pool.</param>
    public PostgresContentWriter(PostgresContentStore owner, string queueId, string tempPath, FileMode mode)
        : base(queueId, tempPath, mode)
    {
        Owner = owner;
    }

    public PostgresContentStore Owner { get; }
    public override long Length => _finalLength >= 0 ? _finalLength : WrittenLength;

    /// <summary>Takes the file for committing: flushed, cut to its length and closed; false when it was committed or aborted already.</summary>
    public bool TryBeginCommit()
    {
        if (Interlocked.CompareExchange(ref _state, Committing, Writing) != Writing) return false;
        CutStaleTail();
        FileStream.Flush();
        _finalLength = WrittenLength;
        FileStream.Dispose();
        return true;
    }

    /// <summary>After the commit (or its failure), once the committer closed its reader: the file is spare again.</summary>
    public void Finish()
    {
        Volatile.Write(ref _state, Finished);
        Owner.Recycle(TempPath);
    }

    /// <remarks>
    /// Deleted, not recycled: a reader of the uncommitted content (the checks) may still have it open when the
    /// client goes away, and must not see a later message written over it.
    /// </remarks>
    public void Abort()
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Writing) != Writing) return;
        FileStream.Dispose();
        try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public override void Dispose() => Abort();
}
