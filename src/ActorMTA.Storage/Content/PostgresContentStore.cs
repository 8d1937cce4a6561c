using System.Data;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace ActorMTA.Storage.Content;

/// <param name="ConnectionString">The cluster's PostgreSQL (the same database as the journal is fine).</param>
/// <param name="LocalDirectory">Node-local: temp files of messages being received, and the read cache.</param>
/// <param name="MaxBatch">Commits gathered into one transaction at most.</param>
/// <param name="MaxBatchBytes">Content octets of one transaction at most (a larger message goes alone).</param>
public sealed record PostgresContentStoreOptions(string ConnectionString, string LocalDirectory, int MaxBatch = 128, long MaxBatchBytes = 32 * 1024 * 1024,
    int SpareFiles = 1024);

/// <summary>
/// Message content in PostgreSQL, for a cluster whose nodes must all read every message: one row per body however
/// many holders it has, one row per reference. Commits are group-committed — every commit waiting when a
/// transaction starts goes into it, pipelined in one round trip — and complete only when that transaction is
/// committed. Bodies are immutable, so each node keeps a read cache of the ones it opened. A body whose last
/// reference is released is deleted with it; <see cref="SweepOrphans"/> removes any a crash left behind.
/// </summary>
public sealed class PostgresContentStore : IContentStore, IDisposable
{
    private const string Prefix = "pg-";

    private readonly NpgsqlDataSource _db;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _committer;
    private readonly string _tempDirectory;
    private readonly string _cacheDirectory;
    private readonly SpareFilePool _spares;
    private long _transactions;
    private long _commits;
    private int _disposed;

    private sealed record Pending(PostgresContentWriter Writer, string[] References, TaskCompletionSource<IReadOnlyList<string>> Done);

    public PostgresContentStore(PostgresContentStoreOptions options)
    {
        Options = options;
        _tempDirectory = Path.Combine(options.LocalDirectory, "tmp");
        _cacheDirectory = Path.Combine(options.LocalDirectory, "cache");
        // Nothing in either survives a restart usefully: temp files were never committed, cached bodies may be gone.
        foreach (var directory in new[] { _tempDirectory, _cacheDirectory })
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
        }
        // Temp files are written over by later messages instead of being created and unlinked for each one: on ext4
        // each create walked the inode bitmap past every recent unlink (7% of a 3-node cluster's CPU accepting mail).
        _spares = new SpareFilePool(_tempDirectory, options.SpareFiles);
        _db = NpgsqlDataSource.Create(options.ConnectionString);
        EnsureSchema();
        _committer = Task.Run(CommitLoopAsync);
    }

    public PostgresContentStoreOptions Options { get; }

    /// <summary>Transactions the group committer ran, and the commits they carried.</summary>
    public (long Transactions, long Commits) Statistics => (Interlocked.Read(ref _transactions), Interlocked.Read(ref _commits));

    /// <summary>Creates the tables once; safe when several nodes start together (an advisory lock serialises them).</summary>
    private void EnsureSchema()
    {
        using var connection = _db.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(7464307)");
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS actormta_content (
                id bigserial PRIMARY KEY,
                queue_id text NOT NULL,
                length bigint NOT NULL,
                data bytea NOT NULL,
                created timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS actormta_content_ref (
                ref text PRIMARY KEY,
                content_id bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS actormta_content_ref_content ON actormta_content_ref (content_id);
            """);
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    public ContentWriter BeginWrite(string queueId)
    {
        ThrowIfDisposed();
        return _spares.OpenWriter((path, mode) => new PostgresContentWriter(this, queueId, path, mode),
            () => Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N")));
    }

    public async Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (writer is not PostgresContentWriter mine || mine.Owner != this) throw new ArgumentException("The writer belongs to another store.", nameof(writer));
        ArgumentOutOfRangeException.ThrowIfLessThan(references, 1);
        cancellationToken.ThrowIfCancellationRequested();
        if (!mine.TryBeginCommit()) throw new InvalidOperationException("The content was already committed or aborted.");
        var names = Enumerable.Range(0, references).Select(_ => NewReference()).ToArray();
        var pending = new Pending(mine, names, new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            mine.Finish();
            throw new ObjectDisposedException(nameof(PostgresContentStore));
        }
        return await pending.Done.Task;
    }

    private static string NewReference() => Prefix + Guid.NewGuid().ToString("N");

    private async Task CommitLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            long bytes = 0;
            while (batch.Count < Options.MaxBatch && (batch.Count == 0 || bytes < Options.MaxBatchBytes) && reader.TryRead(out var next))
            {
                batch.Add(next);
                bytes += next.Writer.Length;
            }
            try
            {
                await CommitBatchAsync(batch);
                foreach (var pending in batch) pending.Done.TrySetResult(pending.References);
            }
            catch (Exception e)
            {
                foreach (var pending in batch) pending.Done.TrySetException(new IOException("content could not be stored in PostgreSQL: " + e.Message, e));
            }
            finally
            {
                foreach (var pending in batch) pending.Writer.Finish();
            }
        }
    }

    /// <summary>
    /// One transaction, one round trip: each body and its references in one statement, all pipelined. No explicit
    /// transaction: a batch ends in a single Sync, so PostgreSQL runs it as one implicit transaction — all or nothing,
    /// committed (and flushed, with synchronous_commit on) before its ReadyForQuery — and BEGIN/COMMIT would only add
    /// a second round trip.
    /// </summary>
    private async Task CommitBatchAsync(List<Pending> batch)
    {
        await using var connection = await _db.OpenConnectionAsync();
        await using var commands = new NpgsqlBatch(connection);
        var files = new List<FileStream>(batch.Count);
        try
        {
            foreach (var pending in batch)
            {
                var file = new FileStream(pending.Writer.TempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
                files.Add(file);
                var command = new NpgsqlBatchCommand("""
                    WITH c AS (INSERT INTO actormta_content (queue_id, length, data) VALUES ($1, $2, $3) RETURNING id)
                    INSERT INTO actormta_content_ref (ref, content_id) SELECT r, c.id FROM c, unnest($4::text[]) AS r
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = pending.Writer.QueueId });
                command.Parameters.Add(new NpgsqlParameter { Value = pending.Writer.Length });
                // Streamed from the temp file: the body is never held in memory as a whole.
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = file, Size = (int)Math.Min(int.MaxValue, pending.Writer.Length) });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = pending.References });
                commands.BatchCommands.Add(command);
            }
            await commands.ExecuteNonQueryAsync();
            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _commits, batch.Count);
        }
        finally
        {
            foreach (var file in files) await file.DisposeAsync();
        }
    }

    /// <summary>A temp file nobody reads any more goes to the spare pool, or is deleted when the pool is full.</summary>
    internal void Recycle(string path)
    {
        if (_spares.TryKeep(path)) return;
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Finished temp files waiting to be written over.</summary>
    public int SpareFileCount => _spares.Count;

    public void Abort(ContentWriter writer)
    {
        if (writer is PostgresContentWriter mine && mine.Owner == this) mine.Abort();
    }

    public Stream OpenRead(string reference)
    {
        var (id, _) = Locate(reference);
        var cached = Path.Combine(_cacheDirectory, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!File.Exists(cached)) Fetch(id, cached);
        // FileShare.Delete: a release that deletes the cached copy does not disturb a reader that has it open.
        return new FileStream(cached, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.None);
    }

    /// <summary>Copies a body into the node's cache (via a temp name: a reader never sees half a file).</summary>
    private void Fetch(long id, string cached)
    {
        var temp = Path.Combine(_tempDirectory, "cache-" + Guid.NewGuid().ToString("N"));
        using (var connection = _db.OpenConnection())
        using (var command = new NpgsqlCommand("SELECT data FROM actormta_content WHERE id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
            if (!reader.Read()) throw new FileNotFoundException("Content reference does not exist.", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var source = reader.GetStream(0);
            using var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
            source.CopyTo(target);
        }
        try
        {
            File.Move(temp, cached, overwrite: false);
        }
        catch (IOException) when (File.Exists(cached))
        {
            // Another reader cached it first; the bytes are the same.
            File.Delete(temp);
        }
    }

    private (long Id, long Length) Locate(string reference)
    {
        Validate(reference);
        using var connection = _db.OpenConnection();
        using var command = new NpgsqlCommand("""
            SELECT c.id, c.length FROM actormta_content_ref r JOIN actormta_content c ON c.id = r.content_id WHERE r.ref = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = reference });
        using var reader = command.ExecuteReader();
        if (!reader.Read()) throw new FileNotFoundException("Content reference does not exist.", reference);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public long GetLength(string reference) => Locate(reference).Length;

    public string AddReference(string reference)
    {
        Validate(reference);
        ThrowIfDisposed();
        var added = NewReference();
        using var connection = _db.OpenConnection();
        using var command = new NpgsqlCommand("""
            INSERT INTO actormta_content_ref (ref, content_id) SELECT $1, content_id FROM actormta_content_ref WHERE ref = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = added });
        command.Parameters.Add(new NpgsqlParameter { Value = reference });
        if (command.ExecuteNonQuery() == 0) throw new FileNotFoundException("Content reference does not exist.", reference);
        return added;
    }

    /// <summary>
    /// Drops the reference, and the body with its last one. The body row is locked before its remaining references
    /// are counted, so two sessions releasing the last two references at once cannot both leave it behind.
    /// </summary>
    public void Release(string reference)
    {
        Validate(reference);
        using var connection = _db.OpenConnection();
        using var transaction = connection.BeginTransaction();
        long id;
        using (var delete = new NpgsqlCommand("DELETE FROM actormta_content_ref WHERE ref = $1 RETURNING content_id", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = reference });
            if (delete.ExecuteScalar() is not long found) return;
            id = found;
        }
        using (var lockBody = new NpgsqlCommand("SELECT id FROM actormta_content WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockBody.Parameters.Add(new NpgsqlParameter { Value = id });
            lockBody.ExecuteScalar();
        }
        int removed;
        using (var deleteBody = new NpgsqlCommand("""
            DELETE FROM actormta_content c WHERE c.id = $1 AND NOT EXISTS (SELECT 1 FROM actormta_content_ref r WHERE r.content_id = c.id)
            """, connection, transaction))
        {
            deleteBody.Parameters.Add(new NpgsqlParameter { Value = id });
            removed = deleteBody.ExecuteNonQuery();
        }
        transaction.Commit();
        if (removed > 0)
        {
            try { File.Delete(Path.Combine(_cacheDirectory, id.ToString(System.Globalization.CultureInfo.InvariantCulture))); }
            catch (IOException) { }
        }
    }

    public bool Exists(string reference)
    {
        Validate(reference);
        using var connection = _db.OpenConnection();
        using var command = new NpgsqlCommand("SELECT 1 FROM actormta_content_ref WHERE ref = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = reference });
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Deletes bodies no reference points to, older than <paramref name="minimumAge"/>; returns how many.</summary>
    public int SweepOrphans(TimeSpan minimumAge)
    {
        using var connection = _db.OpenConnection();
        using var command = new NpgsqlCommand("""
            DELETE FROM actormta_content c
            WHERE c.created < now() - $1 AND NOT EXISTS (SELECT 1 FROM actormta_content_ref r WHERE r.content_id = c.id)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = minimumAge });
        return command.ExecuteNonQuery();
    }

    private static void Validate(string reference)
    {
        if (reference is null || !reference.StartsWith(Prefix, StringComparison.Ordinal) || reference.Length != Prefix.Length + 32
            || reference.AsSpan(Prefix.Length).ContainsAnyExcept("0123456789abcdef"))
            throw new ArgumentException($"Malformed content reference '{reference}'.", nameof(reference));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Commits already queued finish first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        _committer.GetAwaiter().GetResult();
        _db.Dispose();
    }
}
