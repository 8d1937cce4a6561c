using System.Net;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Greylisting;

public sealed class GreylistEntityTests(ITestOutputHelper output) : GreylistEntityCases(output, null);

/// <summary>
/// The Greylist entity behind its shard region, on the SQLite journal, with a clock the test moves. Also run with
/// serialize-messages on (SerializedEntityTests).
/// </summary>
public abstract class GreylistEntityCases(ITestOutputHelper output, string? overrides)
    : EntityTestKit(output, "actormta.spam.greylisting { enabled = on, auto-whitelist-after = 3, snapshot-every = 4 }\n" + overrides)
{
    private const string Network = "192.0.2.0/24";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly ManualClock _clock = new(Start);

    protected override TimeProvider Clock => _clock;

    private GreylistVerdict Check(string sender, string recipient = "bob@example.org", IActorRef? region = null, ActorSystem? system = null)
    {
        var probe = CreateTestProbe(system ?? Sys);
        (region ?? Regions.Greylist).Tell(new CheckGreylist(Network, sender, recipient), probe);
        return probe.ExpectMsg<GreylistVerdict>(Wait);
    }

    private void Pass(string sender)
    {
        Assert.Equal(GreylistOutcome.Defer, Check(sender).Outcome);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check(sender).Outcome);
    }

    private IReadOnlyList<(long Serializer, string Manifest)> Rows(string table, string serializerColumn)
    {
        using var connection = new SqliteConnection($"Data Source={(table == "journal" ? JournalFile : NodeConfig.SnapshotFileFor(JournalFile))}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {serializerColumn}, manifest FROM {table} WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", Greylist.PersistenceIdOf(Network));
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    private GreylistSnapshot? LatestSnapshot()
    {
        using var connection = new SqliteConnection($"Data Source={NodeConfig.SnapshotFileFor(JournalFile)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT snapshot, serializer_id, manifest FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number DESC LIMIT 1";
        command.Parameters.AddWithValue("$id", Greylist.PersistenceIdOf(Network));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return (GreylistSnapshot)Sys.Serialization.Deserialize((byte[])reader[0], reader.GetInt32(1), reader.GetString(2));
    }

    [Fact]
    public void The_first_attempt_is_deferred_a_retry_within_the_delay_too_and_a_retry_after_it_passes()
    {
        var first = Check("alice@example.net");
        Assert.Equal((Network, GreylistOutcome.Defer, TimeSpan.FromMinutes(5)), (first.Network, first.Outcome, first.RetryAfter));
        Assert.Equal("451 4.7.1 Greylisted, try again later (in 300 seconds)", first.ToSmtpReply()!.ToString());

        _clock.Advance(TimeSpan.FromMinutes(2));
        var early = Check("alice@example.net");
        Assert.Equal((GreylistOutcome.Defer, TimeSpan.FromMinutes(3)), (early.Outcome, early.RetryAfter));

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(GreylistOutcome.Pass, Check("alice@example.net").Outcome);
        _clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(GreylistOutcome.Pass, Check("ALICE@example.net", "<Bob@Example.org>").Outcome);
        Assert.Equal(GreylistOutcome.Defer, Check("alice@example.net", "carol@example.org").Outcome);
    }

    [Fact]
    public void A_retry_after_the_retry_window_is_a_new_first_attempt()
    {
        Check("<>");
        _clock.Advance(TimeSpan.FromDays(3));

        var again = Check("");
        Assert.Equal((GreylistOutcome.Defer, TimeSpan.FromMinutes(5)), (again.Outcome, again.RetryAfter));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check("<>").Outcome);
    }

    [Fact]
    public async Task Addresses_of_one_network_share_their_triplets_through_the_client()
    {
        var client = GreylistClient.Create(Sys, Regions);

        var first = await client.CheckAsync(IPAddress.Parse("192.0.2.10"), "alice@example.net", "bob@example.org", Wait);
        Assert.Equal((Network, GreylistOutcome.Defer), (first.Network, first.Outcome));
        Assert.Equal(GreylistOutcome.Defer, (await client.CheckAsync(IPAddress.Parse("2001:db8:1:2::25"), "alice@example.net", "bob@example.org", Wait)).Outcome);
        _clock.Advance(TimeSpan.FromMinutes(5));

        // The retry comes from another address of the same pool.
        Assert.Equal(GreylistOutcome.Pass, (await client.CheckAsync(IPAddress.Parse("192.0.2.200"), "alice@example.net", "bob@example.org", Wait)).Outcome);
        var v6 = await client.CheckAsync(IPAddress.Parse("2001:db8:1:2:ffff::1"), "alice@example.net", "bob@example.org", Wait);
        Assert.Equal(("2001:db8:1:2::/64", GreylistOutcome.Pass), (v6.Network, v6.Outcome));
        // Another network has its own triplets.
        var other = await client.CheckAsync(IPAddress.Parse("192.0.3.10"), "alice@example.net", "bob@example.org", Wait);
        Assert.Equal(("192.0.3.0/24", GreylistOutcome.Defer), (other.Network, other.Outcome));
    }

    [Fact]
    public void A_network_is_auto_whitelisted_after_enough_passed_deliveries()
    {
        Pass("a@example.net");
        Pass("b@example.net");
        Assert.Equal(GreylistOutcome.Defer, Check("c@example.net").Outcome);
        Assert.Equal(GreylistOutcome.Pass, Check("a@example.net").Outcome); // the third passed delivery

        var verdict = Check("never-seen@example.com", "someone@example.org");

        Assert.Equal((GreylistOutcome.Whitelisted, "auto"), (verdict.Outcome, verdict.Detail));
    }

    [Fact]
    public void Checks_sent_without_waiting_are_all_answered_in_few_journal_writes()
    {
        const int count = 300;
        var batchesBefore = Counters.Greylist.Batches;
        for (var i = 0; i < count; i++) Regions.Greylist.Tell(new CheckGreylist(Network, $"s{i}@example.net", "bob@example.org"), TestActor);

        var verdicts = ReceiveN(count, TimeSpan.FromSeconds(30)).Cast<GreylistVerdict>().ToList();

        Assert.All(verdicts, v => Assert.Equal(GreylistOutcome.Defer, v.Outcome));
        var batches = Counters.Greylist.Batches - batchesBefore;
        Output?.WriteLine($"{count} first attempts in {batches} PersistAll batches");
        Assert.InRange(batches, 1, count / 10);
    }

    [Fact]
    public async Task A_passed_triplet_a_pending_one_and_the_pass_count_survive_a_restart()
    {
        Pass("a@example.net");
        Pass("b@example.net"); // two passed deliveries of three; four events: a snapshot
        Assert.Equal(GreylistOutcome.Defer, Check("pending@example.net").Outcome); // one event after it
        AwaitCondition(() => Rows("snapshot", "serializer_id").Count > 0, Wait);
        Assert.All(Rows("snapshot", "serializer_id"), r => Assert.Equal(((long)EntityRecordSerializer.Id, "GS1"), r));
        Assert.All(Rows("journal", "identifier"), r => Assert.Contains(r, new[] { ((long)EntityRecordSerializer.Id, "GT1"), ((long)EntityRecordSerializer.Id, "GP1") }));
        _clock.Advance(TimeSpan.FromMinutes(2));

        await using var node = await RestartAsync();

        // The pending triplet's first attempt is still two minutes old: three more to wait.
        var pending = Check("pending@example.net", region: node.Regions.Greylist, system: node.System);
        Assert.Equal((GreylistOutcome.Defer, TimeSpan.FromMinutes(3)), (pending.Outcome, pending.RetryAfter));
        Assert.Equal(GreylistOutcome.Pass, Check("a@example.net", region: node.Regions.Greylist, system: node.System).Outcome);
        // That pass of a@ was the third: the network is whitelisted, so the count survived too.
        Assert.Equal(GreylistOutcome.Whitelisted, Check("new@example.com", region: node.Regions.Greylist, system: node.System).Outcome);
    }

    [Fact]
    public async Task Expired_triplets_are_left_out_of_snapshots()
    {
        Check("expired@example.net");
        _clock.Advance(TimeSpan.FromDays(3));
        // The fourth event (s2's) is the one that takes a snapshot: max(snapshot-every, triplets held) = 4.
        for (var i = 0; i < 6; i++) Check($"s{i}@example.net");

        AwaitCondition(() => LatestSnapshot() is not null, Wait);
        var snapshot = LatestSnapshot()!;
        Assert.Equal(["s0@example.net", "s1@example.net", "s2@example.net"], snapshot.Triplets.Select(t => t.Sender));

        await using var node = await RestartAsync();
        Assert.Equal(GreylistOutcome.Defer, Check("expired@example.net", region: node.Regions.Greylist, system: node.System).Outcome);
    }
}
