using System.Text;
using ActorMTA.Storage.Content;

namespace ActorMTA.Storage.Tests;

public sealed class GroupCommitTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(SyncMode.PerFile)]
    [InlineData(SyncMode.FileSystem)]
    public async Task Concurrent_commits_all_complete_durably_in_fewer_batches(SyncMode mode)
    {
        const int commits = 200;
        using var store = new FileContentStore(new ContentStoreOptions(_temp.Combine("spool")) { SyncMode = mode });

        var tasks = Enumerable.Range(0, commits).Select(i => Task.Run(async () =>
        {
            using var writer = store.BeginWrite($"concurrent-{i}");
            await writer.Stream.WriteAsync(Encoding.ASCII.GetBytes($"message number {i}"));
            return (Index: i, References: await store.CommitAsync(writer, 2));
        })).ToList();
        var results = await Task.WhenAll(tasks);

        foreach (var (index, references) in results)
        {
            Assert.Equal(2, references.Count);
            foreach (var reference in references)
            {
                Assert.True(store.Exists(reference));
                using var reader = new StreamReader(store.OpenRead(reference));
                Assert.Equal($"message number {index}", reader.ReadToEnd());
            }
        }
        var statistics = store.Statistics;
        Assert.Equal(commits, statistics.CommittedFiles);
        Assert.Equal(0, statistics.FailedCommits);
        Assert.True(statistics.Batches < commits, $"{statistics.Batches} batches for {commits} commits: nothing was grouped");
        Assert.True(statistics.LargestBatch > 1);
        Assert.Empty(Directory.GetFiles(Path.Combine(store.RootDirectory, "tmp"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_batch_never_exceeds_the_configured_maximum()
    {
        using var store = new FileContentStore(new ContentStoreOptions(_temp.Combine("spool"), GroupCommitMaxBatch: 4, GroupCommitParallelism: 2));

        var writers = Enumerable.Range(0, 40).Select(i =>
        {
            var writer = store.BeginWrite($"bounded-{i}");
            writer.Stream.Write([(byte)i]);
            return writer;
        }).ToList();
        await Task.WhenAll(writers.Select(w => store.CommitAsync(w, 1)));

        var statistics = store.Statistics;
        Assert.Equal(40, statistics.CommittedFiles);
        Assert.InRange(statistics.LargestBatch, 1, 4);
        Assert.True(statistics.Batches >= 10);
    }

    [Fact]
    public async Task Dispose_never_strands_a_commit()
    {
        var store = new FileContentStore(_temp.Combine("spool"));
        var writers = Enumerable.Range(0, 50).Select(i =>
        {
            var writer = store.BeginWrite($"draining-{i}");
            writer.Stream.Write([(byte)i]);
            return writer;
        }).ToList();
        var commits = writers.Select(w => store.CommitAsync(w, 1)).ToList();

        store.Dispose();

        // Commits that reached the queue are finished; later ones are refused. None may hang or leave a temp file.
        var finished = await Task.WhenAll(commits.Select(async commit =>
        {
            try
            {
                var references = await commit.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(File.Exists(Path.Combine(store.RootDirectory, references[0])));
                return 1;
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }));
        Assert.Equal(finished.Sum(), store.Statistics.CommittedFiles);
        Assert.Empty(Directory.GetFiles(Path.Combine(store.RootDirectory, "tmp"), "*", SearchOption.AllDirectories));
        Assert.Throws<ObjectDisposedException>(() => store.BeginWrite("late"));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileContentStore(new ContentStoreOptions(_temp.Path, GroupCommitMaxBatch: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileContentStore(new ContentStoreOptions(_temp.Path, GroupCommitParallelism: 0)));
    }
}
