using ActorMTA.Storage.Space;

namespace ActorMTA.Storage.Tests;

public sealed class StorageSpaceTests
{
    private const long MiB = 1024 * 1024;

    private static StorageSpaceOptions Options(TempDirectory dir, long? minFree, long reserve = 0) =>
        new([dir.Path], reserve > 0 ? dir.Combine("reserved-space") : null, minFree, reserve, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(100L * 1024 * MiB, 256L * MiB)] // 2% would be 2 GiB: the 256 MiB cap applies
    [InlineData(1024L * MiB, 21474836L)] // 2% of 1 GiB
    public void The_automatic_minimum_is_256_MiB_or_2_percent_whichever_is_smaller(long total, long expected)
    {
        using var dir = new TempDirectory();
        Assert.Equal(expected, Options(dir, null).MinFreeFor(total), tolerance: 1024);
    }

    [Fact]
    public void Headroom_is_free_space_above_the_minimum_of_the_tightest_filesystem()
    {
        using var dir = new TempDirectory();
        var free = 300 * MiB;
        using var space = new StorageSpace(Options(dir, 100 * MiB), _ => (Interlocked.Read(ref free), 10_000 * MiB));
        Assert.Equal(200 * MiB, space.Headroom);
        Assert.False(space.IsLow);

        Interlocked.Exchange(ref free, 50 * MiB);
        space.Sample();
        Assert.Equal(-50 * MiB, space.Headroom);
        Assert.True(space.IsLow);

        Interlocked.Exchange(ref free, 150 * MiB);
        space.Sample();
        Assert.False(space.IsLow);
    }

    [Fact]
    public void A_filesystem_that_cannot_be_measured_counts_as_full()
    {
        using var dir = new TempDirectory();
        using var space = new StorageSpace(Options(dir, 0), _ => throw new IOException("gone"));
        Assert.True(space.IsLow);
        Assert.Equal(0, space.Available);
    }

    [Fact]
    public void The_reserve_is_written_out_released_and_restored_only_above_the_minimum()
    {
        using var dir = new TempDirectory();
        var free = 100 * MiB;
        using var space = new StorageSpace(Options(dir, 10 * MiB, reserve: 1 * MiB), _ => (Interlocked.Read(ref free), 10_000 * MiB));
        var path = dir.Combine("reserved-space");
        Assert.True(space.Reserve.IsHeld);
        Assert.Equal(1 * MiB, new FileInfo(path).Length);

        Assert.True(space.Reserve.Release());
        Assert.False(File.Exists(path));
        Assert.False(space.Reserve.Release());

        // Re-creating it must not itself push the filesystem below its minimum.
        Interlocked.Exchange(ref free, 10 * MiB + 512 * 1024);
        space.Sample();
        Assert.False(space.Reserve.IsHeld);

        Interlocked.Exchange(ref free, 20 * MiB);
        space.Sample();
        Assert.True(space.Reserve.IsHeld);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Out_of_space_errors_are_told_apart_from_other_storage_faults()
    {
        Assert.True(StorageErrors.IsOutOfSpace(new IOException("No space left on device : '/data/x'", 28)));
        Assert.True(StorageErrors.IsOutOfSpace(new InsufficientStorageException()));
        Assert.True(StorageErrors.IsOutOfSpace(new InvalidOperationException("wrapped", new IOException("x", 28))));
        Assert.False(StorageErrors.IsOutOfSpace(new IOException("Input/output error", 5)));
    }
}
