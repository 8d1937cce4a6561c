using System.Collections.Concurrent;

namespace ActorMTA.Storage.Content;

/// <summary>
/// Empty spool files kept for the next messages to be written into. Creating a file costs an inode allocation,
/// and on ext4 that allocation walks past every inode freed in the last few seconds (it will not reuse them so
/// soon): with messages relayed and deleted at 1,500 a second, the walk was 45% of the server's CPU. A released
/// file is therefore renamed here instead of unlinked, and a new message is written into it, so a steady stream
/// of messages allocates no inodes at all. Nor is it truncated: the next message is written over its blocks and
/// only what lies past that message's end is cut (see FileContentWriter), which spares ext4 freeing the blocks on
/// release and allocating them again on the next write (truncating was 6% of the server's CPU when relaying).
/// Files here are never referenced, so a crash can only leave a released or half-written message to be written
/// over, or emptied at the next start.
/// </summary>
internal sealed class SpareFilePool
{
    private readonly ConcurrentQueue<string> _spares = new();
    private readonly int _capacity;
    private long _nextName;
    private int _count;

    public SpareFilePool(string directory, int capacity)
    {
        Directory = directory;
        _capacity = capacity;
    }

    public string Directory { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes over the files a previous run left here (truncating them) and deletes any beyond the capacity.</summary>
    public void Initialize()
    {
        System.IO.Directory.CreateDirectory(Directory);
        _nextName = DateTime.UtcNow.Ticks;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (_count < _capacity)
            {
                File.WriteAllBytes(leftover, []);
                Add(leftover);
            }
            else
            {
                File.Delete(leftover);
            }
        }
    }

    /// <summary>
    /// Opens a writer (<paramref name="open"/>) over a spare file, or over <paramref name="newPath"/>() created anew
    /// when no spare is left; a spare removed behind the pool's back is skipped.
    /// </summary>
    public T OpenWriter<T>(Func<string, FileMode, T> open, Func<string> newPath)
    {
        while (TryTake() is { } spare)
        {
            try
            {
                return open(spare, FileMode.Open);
            }
            catch (FileNotFoundException)
            {
                // Removed behind our back; take the next one.
            }
        }
        return open(newPath(), FileMode.CreateNew);
    }

    /// <summary>A spare file to write into, or null when there is none.</summary>
    public string? TryTake()
    {
        if (!_spares.TryDequeue(out var spare))
            return null;
        Interlocked.Decrement(ref _count);
        return spare;
    }

    /// <summary>
    /// Moves a released file into the pool under a fresh name; the caller then truncates and <see cref="Add"/>s it,
    /// or deletes it. Null when the pool is full or the move failed (the caller unlinks the file as before).
    /// </summary>
    public string? TryAdmit(string path)
    {
        if (_capacity == 0 || Count >= _capacity)
            return null;
        var name = Path.Combine(Directory, Interlocked.Increment(ref _nextName).ToString("x"));
        return NativeFileSystem.TryRenameNoReplace(path, name) == 0 ? name : null;
    }

    /// <summary>Keeps a file where it is, when its name is private to the store (nothing ever refers to it); false when full.</summary>
    public bool TryKeep(string path)
    {
        if (_capacity == 0 || Count >= _capacity)
            return false;
        Add(path);
        return true;
    }

    public void Add(string spare)
    {
        _spares.Enqueue(spare);
        Interlocked.Increment(ref _count);
    }
}
