namespace ActorMTA.Storage.Space;

/// <summary>
/// A preallocated file beside the journal. On a full disk, deleting mail still has to write its removal to the
/// journal before the content may be freed; releasing this file first makes the room for that write, so users can
/// always delete mail to get out of a full disk. Re-created by <see cref="StorageSpace"/> once space returns.
/// Thread-safe.
/// </summary>
public sealed class StorageReserve
{
    private readonly object _gate = new();
    private bool _held;

    public static readonly StorageReserve None = new(null, 0);

    public StorageReserve(string? path, long size)
    {
        Path = path;
        Size = size;
        // Preallocated with the length kept at 0 on some runtimes: existence is what counts.
        _held = path is not null && File.Exists(path);
    }

    public string? Path { get; }
    public long Size { get; }

    /// <summary>The reserve file exists and may be released.</summary>
    public bool IsHeld
    {
        get { lock (_gate) return _held; }
    }

    /// <summary>Deletes the reserve file; true when there was one to free. File I/O: never on an actor thread.</summary>
    public bool Release()
    {
        lock (_gate)
        {
            if (!_held || Path is null) return false;
            _held = false;
            try { File.Delete(Path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
            return true;
        }
    }

    /// <summary>Creates the reserve file when it is missing (space is preallocated, not sparse). Never throws.</summary>
    public void TryRestore()
    {
        lock (_gate)
        {
            if (_held || Path is null || Size <= 0) return;
            var temp = Path + ".new";
            try
            {
                // Written out, not preallocated: fallocate is not honoured everywhere, and a sparse file reserves nothing.
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 0))
                {
                    var zeros = new byte[64 * 1024];
                    for (var left = Size; left > 0; left -= zeros.Length) file.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, Path, overwrite: true);
                _held = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                try { File.Delete(temp); } catch (Exception) { /* nothing was allocated */ }
            }
        }
    }
}
