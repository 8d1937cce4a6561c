namespace ActorMTA.Storage.Space;

/// <summary>
/// Free space of the storage filesystems, sampled every <see cref="StorageSpaceOptions.SampleInterval"/> on a timer
/// thread, so a session or entity asking "is there room?" reads a cached number instead of calling statvfs for every
/// command. Also keeps the reserve file (<see cref="StorageReserve"/>): re-created by the sampler once space returns.
/// Thread-safe.
/// </summary>
public sealed class StorageSpace : IDisposable
{
    private readonly StorageSpaceOptions? _options;
    private readonly Timer? _timer;
    private readonly Func<string, (long Available, long Total)> _measure;
    private long _headroom = long.MaxValue;
    private long _available = long.MaxValue;
    private int _sampling;

    /// <summary>No limits: for tests and tools that store nothing.</summary>
    public static readonly StorageSpace Unlimited = new();

    private StorageSpace()
    {
        _measure = _ => (long.MaxValue, long.MaxValue);
        Reserve = StorageReserve.None;
    }

    public StorageSpace(StorageSpaceOptions options, Func<string, (long Available, long Total)>? measure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Directories.Count == 0) throw new ArgumentException("at least one directory to watch", nameof(options));
        _options = options;
        _measure = measure ?? Measure;
        Reserve = options.ReserveFile is null ? StorageReserve.None : new StorageReserve(options.ReserveFile, options.ReserveSize);
        Sample();
        _timer = new Timer(_ => Sample(), null, options.SampleInterval, options.SampleInterval);
    }

    /// <summary>Bytes that may still be stored before the tightest filesystem falls below its reserve (may be negative).</summary>
    public long Headroom => Volatile.Read(ref _headroom);

    /// <summary>Free bytes of the tightest filesystem at the last sample.</summary>
    public long Available => Volatile.Read(ref _available);

    /// <summary>Below the minimum free space: new mail is refused, optional writes (caches, bookkeeping) are skipped.</summary>
    public bool IsLow => Headroom <= 0;

    public StorageReserve Reserve { get; }

    /// <summary>Measures now (also run by the timer). Never throws.</summary>
    public void Sample()
    {
        if (_options is null || Interlocked.Exchange(ref _sampling, 1) == 1) return;
        try
        {
            var headroom = long.MaxValue;
            var available = long.MaxValue;
            foreach (var directory in _options.Directories)
            {
                try
                {
                    var (free, total) = _measure(directory);
                    available = Math.Min(available, free);
                    headroom = Math.Min(headroom, free - _options.MinFreeFor(total));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    // A filesystem we cannot even measure is not one to promise storage on.
                    available = 0;
                    headroom = Math.Min(headroom, -1);
                }
            }
            Volatile.Write(ref _available, available);
            Volatile.Write(ref _headroom, headroom);
            // The reserve comes back only when it leaves the filesystem above its minimum, so re-creating it never
            // itself pushes the node into refusing mail.
            if (headroom > Reserve.Size) Reserve.TryRestore();
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    private static (long Available, long Total) Measure(string directory)
    {
        Directory.CreateDirectory(directory);
        var drive = new DriveInfo(Path.GetFullPath(directory));
        return (drive.AvailableFreeSpace, drive.TotalSize);
    }

    public void Dispose() => _timer?.Dispose();
}
