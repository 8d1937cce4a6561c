using System.Diagnostics;
using System.Security.Cryptography;
using ActorMTA.Storage.Content;

namespace ActorMTA.Storage.Tests;

/// <summary>Released content files are kept and written over by the next messages (see SpareFilePool).</summary>
public sealed class SpareFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private FileContentStore _store;

    public SpareFileTests()
    {
        _store = new FileContentStore(new ContentStoreOptions(_temp.Combine("spool")));
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    private string SpareDirectory => Path.Combine(_store.RootDirectory, "spare");

    [Fact]
    public async Task A_released_file_is_kept_and_the_next_message_is_written_into_the_same_inode()
    {
        var first = await CommitAsync("m1", RandomNumberGenerator.GetBytes(5000), 1);
        var inode = InodeOf(Path.Combine(_store.RootDirectory, first[0]));

        _store.Release(first[0]);

        Assert.False(_store.Exists(first[0]));
        Assert.Single(Directory.GetFiles(SpareDirectory));
        Assert.Equal(1, _store.SpareFileCount);

        var content = RandomNumberGenerator.GetBytes(300);
        var second = await CommitAsync("m2", content, 1);

        Assert.Equal(content, ReadAll(second[0]));
        Assert.Equal(300, _store.GetLength(second[0]));
        Assert.Equal(inode, InodeOf(Path.Combine(_store.RootDirectory, second[0])));
        Assert.Empty(Directory.GetFiles(SpareDirectory));
    }

    [Fact]
    public async Task A_shorter_message_in_a_reused_file_never_shows_the_released_bytes_past_its_end()
    {
        var first = await CommitAsync("m-long", RandomNumberGenerator.GetBytes(9000), 1);
        _store.Release(first[0]);

        var content = RandomNumberGenerator.GetBytes(1200);
        using var writer = _store.BeginWrite("m-short");
        await writer.Stream.WriteAsync(content);
        Assert.Equal(1200, writer.Length);
        await using (var readBack = writer.OpenWritten())
        {
            using var copy = new MemoryStream();
            await readBack.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }
        var more = RandomNumberGenerator.GetBytes(100);
        await writer.Stream.WriteAsync(more);
        var second = await _store.CommitAsync(writer, 1);

        Assert.Equal([.. content, .. more], ReadAll(second[0]));
        Assert.Equal(1300, _store.GetLength(second[0]));
    }

    [Fact]
    public async Task A_message_committed_into_a_reused_file_without_reading_it_back_is_cut_to_its_length()
    {
        var first = await CommitAsync("m-long2", RandomNumberGenerator.GetBytes(20_000), 1);
        _store.Release(first[0]);

        var content = RandomNumberGenerator.GetBytes(10);
        var second = await CommitAsync("m-tiny", content, 1);

        Assert.Equal(content, ReadAll(second[0]));
        Assert.Equal(10, new FileInfo(Path.Combine(_store.RootDirectory, second[0])).Length);
    }

    [Theory]
    [InlineData(3000, 5000)]
    [InlineData(5000, 3000)]
    public async Task Content_written_again_from_the_start_is_exactly_the_new_bytes(int first, int second)
    {
        var original = RandomNumberGenerator.GetBytes(first);
        var rewritten = RandomNumberGenerator.GetBytes(second);
        using var writer = _store.BeginWrite("m-restart-" + first);
        await writer.Stream.WriteAsync(original);

        writer.Restart();
        Assert.Equal(0, writer.Length);
        await writer.Stream.WriteAsync(rewritten);
        await using (var readBack = writer.OpenWritten())
        {
            using var copy = new MemoryStream();
            await readBack.CopyToAsync(copy);
            Assert.Equal(rewritten, copy.ToArray());
        }
        var committed = await _store.CommitAsync(writer, 1);

        Assert.Equal(rewritten, ReadAll(committed[0]));
        Assert.Equal(second, _store.GetLength(committed[0]));
    }

    [Fact]
    public async Task Content_with_other_names_left_is_not_reused()
    {
        var content = RandomNumberGenerator.GetBytes(2000);
        var references = await CommitAsync("m-multi", content, 2);

        _store.Release(references[0]);

        Assert.Equal(0, _store.SpareFileCount);
        Assert.Equal(content, ReadAll(references[1]));
        _store.Release(references[1]);
        Assert.Equal(1, _store.SpareFileCount);
    }

    [Fact]
    public async Task A_reader_open_on_released_content_keeps_its_bytes_while_new_messages_are_written()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        var references = await CommitAsync("m-read", content, 2);
        await using var reader = _store.OpenRead(references[0]);

        _store.Release(references[0]);
        _store.Release(references[1]);
        for (var i = 0; i < 5; i++)
            await CommitAsync($"m-new-{i}", RandomNumberGenerator.GetBytes(10_000), 1);

        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal(0, _store.SpareFileCount);
    }

    [Fact]
    public async Task After_the_reader_closed_released_content_is_reused_again()
    {
        var first = await CommitAsync("m-a", RandomNumberGenerator.GetBytes(100), 1);
        ReadAll(first[0]);

        _store.Release(first[0]);

        Assert.Equal(1, _store.SpareFileCount);
    }

    [Fact]
    public async Task The_pool_holds_at_most_its_capacity_and_zero_turns_it_off()
    {
        _store.Dispose();
        _store = new FileContentStore(new ContentStoreOptions(_temp.Combine("small")) { SpareFiles = 2 });
        var references = new List<string>();
        for (var i = 0; i < 4; i++)
            references.AddRange(await CommitAsync($"cap-{i}", [1, 2, 3], 1));
        references.ForEach(_store.Release);
        Assert.Equal(2, _store.SpareFileCount);
        Assert.Equal(2, Directory.GetFiles(SpareDirectory).Length);

        _store.Dispose();
        _store = new FileContentStore(new ContentStoreOptions(_temp.Combine("off")) { SpareFiles = 0 });
        var off = await CommitAsync("off", [1], 1);
        _store.Release(off[0]);
        Assert.Equal(0, _store.SpareFileCount);
        Assert.Empty(Directory.GetFiles(SpareDirectory));
    }

    [Fact]
    public async Task A_restarted_store_takes_over_the_spare_files_and_empties_them()
    {
        var first = await CommitAsync("m-restart", RandomNumberGenerator.GetBytes(100), 1);
        _store.Release(first[0]);
        var spare = Assert.Single(Directory.GetFiles(SpareDirectory));
        File.WriteAllBytes(spare, [9, 9, 9]); // as if a crash had left a half-written message in it
        _store.Dispose();

        _store = new FileContentStore(new ContentStoreOptions(_temp.Combine("spool")));

        Assert.Equal(1, _store.SpareFileCount);
        Assert.Equal(0, new FileInfo(spare).Length);
        var content = RandomNumberGenerator.GetBytes(10);
        var next = await CommitAsync("m-after", content, 1);
        Assert.Equal(content, ReadAll(next[0]));
    }

    private async Task<IReadOnlyList<string>> CommitAsync(string queueId, byte[] content, int references)
    {
        using var writer = _store.BeginWrite(queueId);
        await writer.Stream.WriteAsync(content);
        return await _store.CommitAsync(writer, references);
    }

    private byte[] ReadAll(string reference)
    {
        using var stream = _store.OpenRead(reference);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string InodeOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return inode;
    }
}
