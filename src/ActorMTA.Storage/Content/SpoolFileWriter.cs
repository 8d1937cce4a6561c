namespace ActorMTA.Storage.Content;

/// <summary>
/// A message being written into a local file, new or a spare one taken from a <see cref="SpareFilePool"/>, through a
/// small buffered FileStream: bytes go to the page cache, never into memory as a whole message. A spare file still
/// holds the bytes of the message released into it; they are written over, and whatever of them lies past this
/// message's end is cut off before anyone reads the file back or it is committed.
/// </summary>
internal abstract class SpoolFileWriter : ContentWriter
{
    // Small: it only gathers the few short writes of a message's header (Received:, added fields); body chunks
    // from the socket are larger and bypass it. A 64 KiB buffer per message was 160 MB/s of garbage at 2,500 msg/s.
    private const int BufferSize = 4 * 1024;

    private bool _staleTail;

    /// <param name="mode">CreateNew for a new temp file, Open for a spare file taken from the pool.</param>
    protected SpoolFileWriter(string queueId, string tempPath, FileMode mode)
    {
        QueueId = queueId;
        TempPath = tempPath;
        FileStream = new FileStream(tempPath, mode, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.None);
        _staleTail = mode == FileMode.Open;
    }

    public string TempPath { get; }
    public override string QueueId { get; }
    public override Stream Stream => FileStream;
    public FileStream FileStream { get; }

    /// <summary>Content is only ever appended (or restarted from 0), so the position is its length, stale tail or not.</summary>
    protected long WrittenLength => FileStream.Position;

    public override Stream OpenWritten()
    {
        CutStaleTail();
        return OpenTempFile(FileStream, TempPath);
    }

    /// <summary>Writes again from the start over the same blocks; whatever the new content leaves of the old past its
    /// end is cut like a spare file's (stamping mostly makes a message longer, so usually nothing is).</summary>
    public override void Restart()
    {
        FileStream.Flush();
        FileStream.Position = 0;
        _staleTail = true;
    }

    protected void CutStaleTail()
    {
        if (!_staleTail)
            return;
        FileStream.Flush();
        // Writes after this only extend the file, so one cut is enough.
        if (FileStream.Length > FileStream.Position)
            FileStream.SetLength(FileStream.Position);
        _staleTail = false;
    }
}
