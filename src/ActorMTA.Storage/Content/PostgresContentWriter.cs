namespace ActorMTA.Storage.Content;

/// <summary>
/// Content on its way into PostgreSQL: streamed into a local temp file first (never a whole message in memory),
/// handed to the group committer at commit. The state decides who may still touch the file.
/// </summary>
internal sealed class PostgresContentWriter : ContentWriter
{
    private const int Writing = 0;
    private const int Committing = 1;
    private const int Finished = 2;

    private readonly FileStream _stream;
    private int _state = Writing;
    private long _finalLength = -1;

    public PostgresContentWriter(PostgresContentStore owner, string queueId, string tempPath)
    {
        Owner = owner;
        QueueId = queueId;
        TempPath = tempPath;
        _stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
    }

    public PostgresContentStore Owner { get; }
    public string TempPath { get; }
    public override string QueueId { get; }
    public override Stream Stream => _stream;
    public override long Length => _finalLength >= 0 ? _finalLength : _stream.Length;

    public override Stream OpenWritten() => OpenTempFile(_stream, TempPath);

    /// <summary>Takes the file for committing: flushed and closed; false when it was committed or aborted already.</summary>
    public bool TryBeginCommit()
    {
        if (Interlocked.CompareExchange(ref _state, Committing, Writing) != Writing) return false;
        _stream.Flush();
        _finalLength = _stream.Length;
        _stream.Dispose();
        return true;
    }

    /// <summary>After the commit (or its failure): the temp file is no longer needed.</summary>
    public void Finish()
    {
        Volatile.Write(ref _state, Finished);
        TryDelete(TempPath);
    }

    public void Abort()
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Writing) != Writing) return;
        _stream.Dispose();
        TryDelete(TempPath);
    }

    public override void Dispose() => Abort();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
