using System.Security.Cryptography;
using ActorMTA.Storage.Content;

namespace ActorMTA.Storage.Tests;

public sealed class FileContentStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FileContentStore _store;

    public FileContentStoreTests()
    {
        _store = new FileContentStore(new ContentStoreOptions(_temp.Combine("spool")));
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Committed_content_reads_back_byte_exact()
    {
        var content = RandomNumberGenerator.GetBytes(300_000); // larger than the write buffer
        var references = await CommitAsync("msg-1", content, 1);

        Assert.Single(references);
        Assert.Equal(content, ReadAll(references[0]));
        Assert.Equal(content.Length, _store.GetLength(references[0]));
        Assert.True(_store.Exists(references[0]));
    }

    [Fact]
    public async Task Writer_length_counts_buffered_bytes()
    {
        using var writer = _store.BeginWrite("len");
        writer.Stream.Write(new byte[1234]);
        Assert.Equal(1234, writer.Length);
        await _store.CommitAsync(writer, 1);
        Assert.Equal(1234, writer.Length);
    }

    [Fact]
    public async Task Commit_removes_the_temp_file()
    {
        await CommitAsync("msg-tmp", [1, 2, 3], 2);
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task Each_reference_is_its_own_directory_entry_of_the_same_content()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var references = await CommitAsync("msg-n", content, 3);

        Assert.Equal(3, references.Distinct().Count());
        Assert.All(references, r => Assert.Equal(content, ReadAll(r)));
        Assert.Equal(3, EntriesBeside(references[0]));
    }

    [Fact]
    public async Task Bytes_survive_until_the_last_reference_is_released()
    {
        var content = RandomNumberGenerator.GetBytes(5000);
        var references = await CommitAsync("msg-release", content, 3);

        _store.Release(references[0]);
        Assert.False(_store.Exists(references[0]));
        Assert.Equal(2, EntriesBeside(references[1]));
        Assert.Equal(content, ReadAll(references[2]));

        _store.Release(references[1]);
        Assert.Equal(1, EntriesBeside(references[2]));
        Assert.Equal(content, ReadAll(references[2]));

        _store.Release(references[2]);
        Assert.All(references, r => Assert.False(_store.Exists(r)));
        Assert.Equal(0, EntriesBeside(references[2]));
        Assert.Throws<FileNotFoundException>(() => _store.GetLength(references[2]));
    }

    [Fact]
    public async Task Releasing_twice_or_an_unknown_reference_is_a_no_op()
    {
        var references = await CommitAsync("msg-twice", [9], 2);
        _store.Release(references[0]);
        _store.Release(references[0]);
        _store.Release("ab/never-existed.0");
        Assert.True(_store.Exists(references[1]));
    }

    [Fact]
    public async Task Open_reader_keeps_working_after_the_last_release()
    {
        var content = RandomNumberGenerator.GetBytes(2000);
        var reference = (await CommitAsync("msg-reader", content, 1))[0];
        using var reader = _store.OpenRead(reference);
        _store.Release(reference);

        using var copy = new MemoryStream();
        reader.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task AddReference_creates_an_independent_reference()
    {
        var content = RandomNumberGenerator.GetBytes(700);
        var original = (await CommitAsync("msg-add", content, 1))[0];

        var added = _store.AddReference(original);

        Assert.NotEqual(original, added);
        Assert.Equal(2, EntriesBeside(original));
        _store.Release(original);
        Assert.True(_store.Exists(added));
        Assert.Equal(content, ReadAll(added));
        _store.Release(added);
        Assert.Equal(0, EntriesBeside(added));
    }

    [Fact]
    public async Task AddReference_to_released_content_fails()
    {
        var reference = (await CommitAsync("msg-gone", [1], 1))[0];
        _store.Release(reference);
        Assert.Throws<FileNotFoundException>(() => _store.AddReference(reference));
    }

    [Fact]
    public async Task Same_message_id_committed_twice_gets_distinct_references()
    {
        var first = await CommitAsync("same-id", [1, 1, 1], 2);
        var second = await CommitAsync("same-id", [2, 2], 2);

        Assert.Empty(first.Intersect(second));
        Assert.Equal(new byte[] { 1, 1, 1 }, ReadAll(first[1]));
        Assert.Equal(new byte[] { 2, 2 }, ReadAll(second[1]));
    }

    [Fact]
    public async Task Message_ids_with_unsafe_characters_give_safe_references()
    {
        var references = await CommitAsync("../../<evil>@host/é", [7], 1);
        Assert.DoesNotContain("..", references[0]);
        Assert.StartsWith(_store.RootDirectory, Path.GetFullPath(Path.Combine(_store.RootDirectory, references[0])));
        Assert.Equal(new byte[] { 7 }, ReadAll(references[0]));
    }

    [Fact]
    public async Task Abort_deletes_the_temp_file_and_forbids_commit()
    {
        var writer = _store.BeginWrite("msg-abort");
        writer.Stream.Write([1, 2, 3]);
        Assert.Single(TempFiles());

        _store.Abort(writer);

        Assert.Empty(TempFiles());
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.CommitAsync(writer, 1));
    }

    [Fact]
    public void Disposing_an_uncommitted_writer_drops_its_content()
    {
        var writer = _store.BeginWrite("msg-dispose");
        writer.Stream.Write([1]);
        writer.Dispose();
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task Committing_twice_is_refused()
    {
        using var writer = _store.BeginWrite("msg-commit-twice");
        writer.Stream.Write([1]);
        await _store.CommitAsync(writer, 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.CommitAsync(writer, 1));
    }

    [Fact]
    public async Task Commit_needs_at_least_one_reference()
    {
        using var writer = _store.BeginWrite("msg-zero");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.CommitAsync(writer, 0));
    }

    [Fact]
    public async Task A_cancelled_token_refuses_the_commit_before_it_starts()
    {
        using var writer = _store.BeginWrite("msg-cancel");
        writer.Stream.Write([1]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.CommitAsync(writer, 1, new CancellationToken(true)));
        _store.Abort(writer);
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task A_writer_from_another_store_is_rejected()
    {
        using var otherDir = new TempDirectory();
        using var other = new FileContentStore(otherDir.Combine("spool"));
        using var foreign = other.BeginWrite("x");
        await Assert.ThrowsAsync<ArgumentException>(() => _store.CommitAsync(foreign, 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("00/../../secret.0")]
    [InlineData("/etc/passwd")]
    [InlineData("00/abc")]
    [InlineData("0g/abc.0")]
    [InlineData("00/abc.0\n")]
    [InlineData("00\\abc.0")]
    [InlineData("00/.abc.0/x")]
    [InlineData("tmp/abc.0")]
    [InlineData("00/ab c.0")]
    public void Malformed_references_are_rejected_by_every_operation(string reference)
    {
        Assert.Throws<ArgumentException>(() => _store.OpenRead(reference));
        Assert.Throws<ArgumentException>(() => _store.GetLength(reference));
        Assert.Throws<ArgumentException>(() => _store.Exists(reference));
        Assert.Throws<ArgumentException>(() => _store.Release(reference));
        Assert.Throws<ArgumentException>(() => _store.AddReference(reference));
    }

    [Fact]
    public void Leftover_temp_files_are_deleted_when_the_store_opens()
    {
        var root = _temp.Combine("crash-spool");
        using (var first = new FileContentStore(root))
        {
            var unfinished = first.BeginWrite("crashed");
            unfinished.Stream.Write(new byte[100]);
            unfinished.Stream.Flush();
            // No commit, no abort: the process "crashes" with the temp file on disk.
        }
        File.WriteAllText(Path.Combine(root, "tmp", "stray.tmp"), "x");
        File.WriteAllText(Path.Combine(root, "tmp", "7f", "stray.tmp"), "x");
        Assert.Equal(3, FilesUnder(Path.Combine(root, "tmp")).Length);

        using var reopened = new FileContentStore(root);

        Assert.Empty(FilesUnder(Path.Combine(root, "tmp")));
    }

    [Fact]
    public async Task Committed_content_survives_reopening_the_store()
    {
        var root = _temp.Combine("reopen-spool");
        IReadOnlyList<string> references;
        using (var first = new FileContentStore(root))
        {
            using var writer = first.BeginWrite("persist");
            writer.Stream.Write([4, 5, 6]);
            references = await first.CommitAsync(writer, 2);
        }
        using var reopened = new FileContentStore(root);
        Assert.All(references, r => Assert.True(reopened.Exists(r)));
        Assert.Equal(3, reopened.GetLength(references[1]));
    }

    private async Task<IReadOnlyList<string>> CommitAsync(string queueId, byte[] content, int references)
    {
        using var writer = _store.BeginWrite(queueId);
        // Several writes, as a session streaming DATA would do.
        for (var offset = 0; offset < content.Length; offset += 4096)
            await writer.Stream.WriteAsync(content.AsMemory(offset, Math.Min(4096, content.Length - offset)));
        return await _store.CommitAsync(writer, references);
    }

    private byte[] ReadAll(string reference)
    {
        using var stream = _store.OpenRead(reference);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Names in the reference's directory that belong to the same message id (same stem).</summary>
    private int EntriesBeside(string reference)
    {
        var path = Path.Combine(_store.RootDirectory, reference);
        var stem = Path.GetFileNameWithoutExtension(path);
        return Directory.GetFiles(Path.GetDirectoryName(path)!, stem + ".*").Length;
    }

    private string[] TempFiles() => FilesUnder(Path.Combine(_store.RootDirectory, "tmp"));

    private static string[] FilesUnder(string directory) => Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
}
