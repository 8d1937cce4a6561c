using System.Collections.Concurrent;

namespace ActorMTA.Storage.Content;

/// <summary>
/// Makes content durable for many sessions at once. One loop thread takes every commit that is waiting
/// (up to the batch limit), moves each file to its reference names, fsyncs all files and touched directories
/// of the batch concurrently (or one syncfs, see <see cref="SyncMode"/>) and only then completes the sessions' tasks. While a batch is on disk the next one gathers, so under load the cost of
/// a sync round is shared by many messages instead of paid once per message.
/// </summary>
internal sealed class GroupCommitter : IDisposable
{
    private readonly BlockingCollection<PendingCommit> _queue = new();
    private readonly SpoolLayout _layout;
    private readonly ContentStoreOptions _options;
    private readonly SyncWorkerPool _workers;
    private readonly Thread _loop;

    private long _batches;
    private long _committedFiles;
    private long _failedCommits;
    private int _largestBatch;

    public GroupCommitter(SpoolLayout layout, ContentStoreOptions options)
    {
        _layout = layout;
        _options = options;
        _workers = new SyncWorkerPool(options.GroupCommitParallelism, "content-sync");
        _loop = new Thread(Run) { IsBackground = true, Name = "content-group-commit" };
        _loop.Start();
    }

    public GroupCommitStatistics Statistics => new(
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _committedFiles),
        Interlocked.Read(ref _failedCommits),
        Volatile.Read(ref _largestBatch));

    /// <summary>Queues a commit; the returned task completes when it is durable or failed.</summary>
    public Task<IReadOnlyList<string>> Enqueue(PendingCommit commit, CancellationToken cancellationToken)
    {
        try
        {
            _queue.Add(commit);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // CompleteAdding was called: the store is being disposed.
            commit.Writer.DeleteAfterFailedCommit();
            throw new ObjectDisposedException(nameof(FileContentStore));
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                // Once the batch has taken it, the commit runs to completion: half-synced content cannot be undone cheaply.
                if (commit.TryCancel())
                    commit.Completion.TrySetCanceled(cancellationToken);
            });
            commit.Completion.Task.ContinueWith(
                static (_, state) => ((CancellationTokenRegistration)state!).Dispose(),
                registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return commit.Completion.Task;
    }

    /// <summary>Commits everything already queued, then stops the threads.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _loop.Join();
        _workers.Dispose();
        _queue.Dispose();
    }

    private void Run()
    {
        var batch = new List<PendingCommit>(_options.GroupCommitMaxBatch);
        while (_queue.TryTake(out var first, Timeout.Infinite))
        {
            batch.Clear();
            Claim(first, batch);
            while (batch.Count < _options.GroupCommitMaxBatch && _queue.TryTake(out var next))
                Claim(next, batch);
            if (batch.Count == 0)
                continue;

            try
            {
                CommitBatch(batch);
            }
            catch (Exception unexpected)
            {
                // A bug in the batch logic must not kill the loop and strand every later session.
                foreach (var commit in batch)
                    commit.Failure ??= unexpected;
            }
            Complete(batch);
        }
    }

    private static void Claim(PendingCommit commit, List<PendingCommit> batch)
    {
        if (commit.TryTake())
            batch.Add(commit);
        else
            commit.Writer.DeleteAfterFailedCommit(); // cancelled while queued
    }

    private void CommitBatch(List<PendingCommit> batch)
    {
        // Names first, then every sync of the batch in one concurrent round: the filesystem journal folds the
        // file data and the directory entries into as few journal commits as possible. A crash inside the round
        // can leave a name for content that was never acknowledged; that is an orphan, never lost mail.
        Publish(batch);
        if (_options.SyncMode == SyncMode.PerFile)
            SyncFilesAndDirectories(batch);
        else
            SyncFileSystem(batch);
        foreach (var commit in batch)
        {
            try { commit.Writer.CloseAfterCommit(); }
            catch (Exception e) { commit.Failure ??= e; }
        }
    }

    private void SyncFilesAndDirectories(List<PendingCommit> batch)
    {
        var published = batch.Where(c => c.Failure is null).ToList();
        var directories = published.Select(c => c.Directory!).Distinct(StringComparer.Ordinal).ToList();
        var failedDirectories = new ConcurrentDictionary<string, Exception>(StringComparer.Ordinal);
        var targets = new List<SyncTarget>(published.Count + directories.Count);
        targets.AddRange(published.Select(c => new SyncTarget(c, null)));
        targets.AddRange(directories.Select(d => new SyncTarget(null, d)));

        _workers.ForEach(targets, target =>
        {
            try
            {
                if (target.Commit is not null)
                    RandomAccess.FlushToDisk(target.Commit.Writer.FileStream.SafeFileHandle);
                else
                    NativeFileSystem.FsyncDirectory(target.Directory!);
            }
            catch (Exception e)
            {
                if (target.Commit is not null)
                    target.Commit.Failure = e;
                else
                    failedDirectories[target.Directory!] = e;
            }
        });

        if (failedDirectories.IsEmpty)
            return;
        foreach (var commit in published)
        {
            if (commit.Failure is null && failedDirectories.TryGetValue(commit.Directory!, out var failure))
                commit.Failure = failure;
        }
    }

    private void SyncFileSystem(List<PendingCommit> batch)
    {
        if (batch.All(c => c.Failure is not null))
            return;
        try
        {
            NativeFileSystem.SyncFileSystem(_layout.Root);
        }
        catch (Exception e)
        {
            foreach (var commit in batch)
                commit.Failure ??= e;
        }
    }

    /// <summary>One fsync of a round: either a content file or a directory.</summary>
    private sealed record SyncTarget(PendingCommit? Commit, string? Directory);

    private void Publish(List<PendingCommit> batch)
    {
        // The whole batch goes into one directory: one directory fsync for the batch (see SpoolLayout).
        var bucket = (int)(Interlocked.Read(ref _batches) % SpoolLayout.Buckets);
        foreach (var commit in batch)
        {
            if (commit.Failure is not null)
                continue;
            try
            {
                commit.References = _layout.Publish(commit.Writer.TempPath, commit.Writer.QueueId, commit.ReferenceCount, bucket, out var directory);
                commit.Directory = directory;
            }
            catch (Exception e)
            {
                commit.Failure = e;
            }
        }
    }

    private void Complete(List<PendingCommit> batch)
    {
        Interlocked.Increment(ref _batches);
        if (batch.Count > _largestBatch)
            Volatile.Write(ref _largestBatch, batch.Count);

        foreach (var commit in batch)
        {
            if (commit.Failure is null && commit.References is not null)
            {
                Interlocked.Increment(ref _committedFiles);
                commit.Completion.TrySetResult(commit.References);
                continue;
            }

            Interlocked.Increment(ref _failedCommits);
            RemovePartialResult(commit);
            var failure = commit.Failure ?? new IOException("Content commit failed.");
            commit.Completion.TrySetException(
                failure as IOException ?? new IOException($"Content commit failed: {failure.Message}", failure));
        }
    }

    private void RemovePartialResult(PendingCommit commit)
    {
        // Names that were linked but not proven durable must not outlive the refused message.
        foreach (var reference in commit.References ?? [])
        {
            try { _layout.Unlink(reference); } catch (IOException) { }
        }
        try { commit.Writer.CloseAfterCommit(); } catch (IOException) { }
        commit.Writer.DeleteAfterFailedCommit();
    }
}
