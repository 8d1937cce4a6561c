namespace ActorMTA.Storage.Space;

/// <summary>
/// How much of the storage filesystems must stay free, and the room kept aside for removals.
/// </summary>
/// <param name="Directories">The directories whose filesystems are watched (spool, journal); the tightest one counts.</param>
/// <param name="ReserveFile">A file of <paramref name="ReserveSize"/> bytes released when a removal must be written on a full
/// disk, re-created when space returns. Null: no reserve.</param>
/// <param name="MinFreeSpace">Bytes that must stay free; null: 256 MiB or 2% of the filesystem, whichever is smaller.</param>
/// <param name="ReserveSize">Size of the reserve file.</param>
/// <param name="SampleInterval">How often free space is measured (off the actor threads).</param>
public sealed record StorageSpaceOptions(
    IReadOnlyList<string> Directories,
    string? ReserveFile,
    long? MinFreeSpace,
    long ReserveSize,
    TimeSpan SampleInterval)
{
    public const long DefaultMinFreeCap = 256L * 1024 * 1024;
    public const double DefaultMinFreeFraction = 0.02;

    /// <summary>The reserve that applies on a filesystem of <paramref name="totalBytes"/>.</summary>
    public long MinFreeFor(long totalBytes) =>
        MinFreeSpace ?? Math.Min(DefaultMinFreeCap, (long)(totalBytes * DefaultMinFreeFraction));
}
