using System.Diagnostics;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Cluster;

/// <summary>Runs only with ACTORMTA_BENCH=1 (it takes tens of seconds and measures rather than checks).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ACTORMTA_BENCH") != "1") Skip = "benchmark: set ACTORMTA_BENCH=1";
    }
}

/// <summary>
/// Events/s the SQLite journal takes with 200 mailbox entities written to at once.
/// "closed loop": every entity has one command outstanding at a time (200 SMTP sessions, one mailbox each).
/// "open loop": 50 commands per entity sent without waiting; max-batch = 1 is what plain Persist would do.
/// </summary>
public sealed class PersistThroughputBenchmark(ITestOutputHelper output)
{
    private const int Entities = 200;
    private const int PerEntity = 50;

    [BenchmarkFact]
    public async Task Events_per_second_with_200_entities()
    {
        const string pluginDefaults = "akka.persistence.journal.sql { parallelism = 3, batch-size = 100 }\n";
        var runs = new (string Name, bool Wal, bool OpenLoop, string Overrides)[]
        {
            ("closed loop, rollback journal, plugin defaults", false, false, pluginDefaults),
            ("closed loop, WAL, plugin defaults", true, false, pluginDefaults),
            ("closed loop, WAL, akka.conf", true, false, ""),
            ("open loop, WAL, max-batch=1 (no batching), plugin defaults", true, true, pluginDefaults + "actormta.mailbox.max-batch = 1"),
            ("open loop, WAL, max-batch=1 (no batching), akka.conf", true, true, "actormta.mailbox.max-batch = 1"),
            ("open loop, WAL, batching (max-batch=1000), akka.conf", true, true, ""),
        };
        foreach (var run in runs)
        {
            var (rate, batches) = await MeasureAsync(run.Wal, run.OpenLoop, run.Overrides);
            output.WriteLine($"{run.Name}: {rate:F0} events/s ({Entities * PerEntity} events in {batches} PersistAll batches)");
        }
    }

    private static async Task<(double EventsPerSecond, long Batches)> MeasureAsync(bool wal, bool openLoop, string overrides)
    {
        using var temp = new TempDirectory();
        var journal = Path.Combine(temp.Path, "journal.db");
        var config = NodeConfig.For(journal, "akka.loglevel = WARNING\n" + overrides);
        if (!wal) RollbackJournal(journal);
        var content = new InMemoryContentStore();
        var system = ActorSystem.Create("bench", config);
        try
        {
            await ClusterBootstrap.JoinSelfAsync(system);
            var regions = ShardRegions.Start(system, content);
            var timeout = TimeSpan.FromSeconds(120);
            var now = DateTimeOffset.UtcNow;
            Task<MailboxDelivered> Deliver(int entity, int i) =>
                regions.Mailbox.Ask<MailboxDelivered>(new DeliverToMailbox($"user{entity}@bench.test", "Q" + i, content.Add("Q" + i), 1000, now, i), timeout);

            // Warm-up: every entity exists and has recovered before the clock starts.
            await Task.WhenAll(Enumerable.Range(0, Entities).Select(e => Deliver(e, 0)));
            var counter = EntityPersistenceCounters.Get(system).Mailbox;
            var batchesBefore = counter.Batches;

            var clock = Stopwatch.StartNew();
            if (openLoop)
            {
                var acks = new List<Task<MailboxDelivered>>(Entities * PerEntity);
                for (var i = 1; i <= PerEntity; i++)
                    for (var e = 0; e < Entities; e++)
                        acks.Add(Deliver(e, i));
                await Task.WhenAll(acks);
            }
            else
            {
                await Task.WhenAll(Enumerable.Range(0, Entities).Select(async e =>
                {
                    for (var i = 1; i <= PerEntity; i++) await Deliver(e, i);
                }));
            }
            clock.Stop();
            return (Entities * PerEntity / clock.Elapsed.TotalSeconds, counter.Batches - batchesBefore);
        }
        finally
        {
            await system.Terminate();
            SqliteConnection.ClearAllPools();
        }
    }

    private static void RollbackJournal(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE";
        command.ExecuteNonQuery();
    }
}
