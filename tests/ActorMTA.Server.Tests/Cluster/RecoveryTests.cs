using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Cluster;

/// <summary>State survives stopping the actor system and starting a new one on the same SQLite journal.</summary>
public sealed class RecoveryTests(ITestOutputHelper output) : EntityTestKit(output, "actormta.mailbox.snapshot-every = 10\nactormta.queue.snapshot-every = 10")
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private void DeliverAll(string address, int count)
    {
        for (var i = 1; i <= count; i++)
            Regions.Mailbox.Tell(new DeliverToMailbox(address, "Q" + i, Content.Add("Q" + i), 100 + i, Arrival, i), TestActor);
        ReceiveN(count, TimeSpan.FromSeconds(20));
    }

    private long SnapshotRows(string persistenceId)
    {
        using var connection = new SqliteConnection($"Data Source={NodeConfig.SnapshotFileFor(JournalFile)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$id", persistenceId);
        return (long)command.ExecuteScalar()!;
    }

    private IReadOnlyList<(long Serializer, string Manifest)> JournalRows(string persistenceId)
    {
        using var connection = new SqliteConnection($"Data Source={JournalFile}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT identifier, manifest FROM journal WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", persistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    private (MailboxStats Stats, Maildrop Drop) ReadMailbox(RestartedNode node, string address)
    {
        var probe = CreateTestProbe(node.System);
        node.Regions.Mailbox.Tell(new GetMailboxStats(address), probe);
        var stats = probe.ExpectMsg<MailboxStats>(TimeSpan.FromSeconds(20));
        node.Regions.Mailbox.Tell(new GetMaildrop(address), probe);
        return (stats, probe.ExpectMsg<Maildrop>(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_mailbox_recovers_from_its_events_alone()
    {
        DeliverAll("bob@example.org", 3);
        Regions.Mailbox.Tell(new ExpungeMessages("bob@example.org", "INBOX", new long[] { 3 }, 99), TestActor);
        ExpectMsg<MessagesExpunged>(TimeSpan.FromSeconds(10));
        Regions.Mailbox.Tell(new GetMailboxStats("bob@example.org"), TestActor);
        var before = Assert.Single(ExpectMsg<MailboxStats>(TimeSpan.FromSeconds(10)).Folders);
        Assert.Equal(0, SnapshotRows(Mailbox.PersistenceIdOf("bob@example.org")));
        // Written by our binary serializer, with versioned manifests (not the default JSON one).
        Assert.Equal(
            new[] { "MF1", "MA1", "MA1", "MA1", "MR1" }.Select(m => ((long)EntityRecordSerializer.Id, m)),
            JournalRows(Mailbox.PersistenceIdOf("bob@example.org")));

        await using var node = await RestartAsync();
        var (stats, drop) = ReadMailbox(node, "bob@example.org");

        Assert.Equal(before, Assert.Single(stats.Folders));
        Assert.Equal(new[] { 1L, 2L }, drop.Messages.Select(m => m.Uid));
        Assert.Equal(new[] { "Q1", "Q2" }, drop.Messages.Select(m => m.QueueId));
        Assert.Equal(Arrival, drop.Messages[0].InternalDate);
        // UIDNEXT survived: the expunged uid 3 is never handed out again.
        var probe = CreateTestProbe(node.System);
        node.Regions.Mailbox.Tell(new DeliverToMailbox("bob@example.org", "Q9", Content.Add("Q9"), 1, Arrival, 1), probe);
        Assert.Equal(4L, probe.ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10)).Uid);
    }

    [Fact]
    public async Task A_mailbox_recovers_from_a_snapshot_plus_later_events()
    {
        // snapshot-every = 10: 1 FolderCreated + 24 appends + 1 removal crosses the threshold twice.
        DeliverAll("bob@example.org", 24);
        Regions.Mailbox.Tell(new ExpungeMessages("bob@example.org", "INBOX", new long[] { 1, 24 }, 99), TestActor);
        ExpectMsg<MessagesExpunged>(TimeSpan.FromSeconds(10));
        Regions.Mailbox.Tell(new DeliverToMailbox("bob@example.org", "Q25", Content.Add("Q25"), 1, Arrival, 25), TestActor);
        Assert.Equal(25L, ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10)).Uid);
        Regions.Mailbox.Tell(new GetMailboxStats("bob@example.org"), TestActor);
        var before = Assert.Single(ExpectMsg<MailboxStats>(TimeSpan.FromSeconds(10)).Folders);
        AwaitCondition(() => SnapshotRows(Mailbox.PersistenceIdOf("bob@example.org")) > 0, TimeSpan.FromSeconds(10));

        await using var node = await RestartAsync();
        var (stats, drop) = ReadMailbox(node, "bob@example.org");

        Assert.Equal(before, Assert.Single(stats.Folders));
        Assert.Equal(Enumerable.Range(2, 22).Select(i => (long)i).Append(25L), drop.Messages.Select(m => m.Uid));
        Assert.Equal(102L, drop.Messages[0].Size);
        var probe = CreateTestProbe(node.System);
        node.Regions.Mailbox.Tell(new DeliverToMailbox("bob@example.org", "Q26", Content.Add("Q26"), 1, Arrival, 26), probe);
        Assert.Equal(26L, probe.ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10)).Uid);
    }

    [Fact]
    public async Task A_domain_queue_holding_mail_restarts_by_itself_after_a_node_restart()
    {
        for (var i = 1; i <= 12; i++)
            Regions.DomainQueue.Tell(new EnqueueDelivery("example.net", "Q" + i, Content.Add("Q" + i), "s@here.test", new[] { "r@example.net" }, 10, Arrival, i), TestActor);
        ReceiveN(12, TimeSpan.FromSeconds(20));
        AwaitCondition(() => SnapshotRows(DomainQueue.PersistenceIdOf("example.net")) > 0, TimeSpan.FromSeconds(10));

        Akka.TestKit.TestProbe? listener = null;
        var started = DateTime.UtcNow;
        await using var node = await RestartAsync(system =>
        {
            listener = CreateTestProbe(system);
            system.EventStream.Subscribe(listener, typeof(DomainQueueRecovered));
        });

        // No message is sent to the queue: sharding's remember-entities brings it back.
        var announced = listener!.ExpectMsg<DomainQueueRecovered>(TimeSpan.FromSeconds(30));
        Output?.WriteLine($"queue restarted {(DateTime.UtcNow - started).TotalSeconds:F1}s after the restart began");
        Assert.Equal(("example.net", 12), (announced.QueueName, announced.Pending));
    }
}
