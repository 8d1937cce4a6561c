namespace ActorMTA.Storage.Content;

/// <summary>
/// Message content as files in a spool directory. Each reference is a hard link to the same inode, so
/// releasing a reference is one unlink and the filesystem frees the bytes with the last link: reference
/// counting that survives crashes without a shared counter. Commits are made durable by a
/// <see cref="GroupCommitter"/> shared by all sessions. Thread-safe.
/// </summary>
public sealed class FileContentStore : IContentStore, IDisposable
{

    private readonly SpoolLayout _layout;
    private readonly GroupCommitter _committer;
    private readonly SpareFilePool _spares;
    private readonly OpenContentReaders _readers = new();
    private int _disposed;

    public FileContentStore(ContentStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _layout = new SpoolLayout(options.RootDirectory);
        _layout.Initialize();
        _spares = new SpareFilePool(_layout.SpareDirectory, options.SpareFiles);
        _spares.Initialize();
        _committer = new GroupCommitter(_layout, options);
    }

    public FileContentStore(string rootDirectory) : this(new ContentStoreOptions(rootDirectory))
    {
    }

    public ContentStoreOptions Options { get; }

    /// <summary>Absolute path of the spool root.</summary>
    public string RootDirectory => _layout.Root;

    public GroupCommitStatistics Statistics => _committer.Statistics;

    public ContentWriter BeginWrite(string queueId)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        ThrowIfDisposed();
        return _spares.OpenWriter((path, mode) => new FileContentWriter(this, queueId, path, mode), () => _layout.NewTempPath(queueId));
    }

    /// <summary>Released files waiting to be written over (see <see cref="SpareFilePool"/>).</summary>
    public int SpareFileCount => _spares.Count;

    /// <remarks>
    /// Throws <see cref="IOException"/> when the content could not be made durable (the session answers 451);
    /// the temp file is gone then. If <paramref name="cancellationToken"/> fires while the commit still waits for
    /// a batch, the content is dropped and the task is cancelled; once a batch has it, the commit completes.
    /// </remarks>
    public async Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default)
    {
        var file = OwnWriter(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(references, 1);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (!file.TryBeginCommit())
            throw new InvalidOperationException($"Content '{file.QueueId}' was already committed or aborted.");

        try
        {
            // Moves the last buffered bytes into the page cache; the fsync happens in the batch.
            await file.FileStream.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.SealLength();
        }
        catch
        {
            file.DeleteAfterFailedCommit();
            throw;
        }
        return await _committer.Enqueue(new PendingCommit(file, references), cancellationToken).ConfigureAwait(false);
    }

    public void Abort(ContentWriter writer)
    {
        OwnWriter(writer).Abort();
    }

    public Stream OpenRead(string reference)
    {
        var path = _layout.PathOf(reference);
        var key = OpenContentReaders.ContentKeyOf(reference);
        // Registered before the open: Release checks for readers only after the name is gone, so a handle
        // is either seen by that check or fails to open.
        _readers.Enter(key);
        try
        {
            return new ContentReadStream(NativeFileSystem.OpenReadOnly(path), () => _readers.Exit(key));
        }
        catch
        {
            _readers.Exit(key);
            throw;
        }
    }

    public long GetLength(string reference)
    {
        var info = new FileInfo(_layout.PathOf(reference));
        if (!info.Exists)
            throw new FileNotFoundException("Content reference does not exist.", reference);
        return info.Length;
    }

    /// <remarks>Synchronous: the new name is durable (directory fsync'd) when this returns.</remarks>
    public string AddReference(string reference)
    {
        ThrowIfDisposed();
        var added = _layout.AddName(reference, out var directory);
        try
        {
            NativeFileSystem.FsyncDirectory(directory);
        }
        catch
        {
            _layout.Unlink(added);
            throw;
        }
        return added;
    }

    /// <remarks>
    /// The unlink (or the move to the spare pool) is not fsync'd: if a crash loses it, the name comes back as an
    /// orphan the journal no longer refers to (wasted space, never lost mail) — cheaper than a directory sync per
    /// delivered message. Callers release only after the journal stopped referring to the content.
    /// </remarks>
    public void Release(string reference)
    {
        var path = _layout.PathOf(reference);
        if (NativeFileSystem.LinkCount(path) == 1 && _spares.TryAdmit(path) is { } spare)
        {
            if (_readers.AnyOpen(OpenContentReaders.ContentKeyOf(reference)))
            {
                File.Delete(spare);
                return;
            }
            // Not truncated: the next message is written over these blocks (see FileContentWriter), so the file
            // system neither frees them now nor allocates new ones then.
            _spares.Add(spare);
            return;
        }
        _layout.Unlink(reference);
    }

    public bool Exists(string reference)
    {
        return File.Exists(_layout.PathOf(reference));
    }

    /// <summary>Waits for queued commits to finish, then stops the committer threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _committer.Dispose();
    }

    private FileContentWriter OwnWriter(ContentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer is not FileContentWriter file || !ReferenceEquals(file.Owner, this))
            throw new ArgumentException("The writer was not created by this content store.", nameof(writer));
        return file;
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
    }
}
