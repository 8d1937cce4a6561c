using System.Text.Json;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>A queued message's egress pool survives the journal (QQ4 on) and the snapshot (QS5 on); QQ3 and QS4 records,
/// written before pools, read back in the default pool.</summary>
public sealed class EgressPoolRecordTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

    public EgressPoolRecordTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private (SerializerWithStringManifest Serializer, string Manifest, byte[] Bytes) Write(object record)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(record);
        return (serializer, serializer.Manifest(record), serializer.ToBinary(record));
    }

    [Fact]
    public void The_pool_of_a_queued_message_round_trips_in_the_journal_and_the_snapshot()
    {
        var queued = new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then) { Pool = "bulk" };
        var snapshot = new DomainQueueSnapshot([
            new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then, 1, Then.AddMinutes(5), "451 later") { Pool = "bulk" },
            new QueuedDelivery("Q2", "ref/2", "s@h.test", ["b@y.test"], 10, Then, 0, Then, null),
        ]);
        foreach (var record in new object[] { queued, snapshot })
        {
            var (serializer, manifest, bytes) = Write(record);
            Assert.Contains(manifest, new[] { "QQ5", "QS6" });
            var back = serializer.FromBinary(bytes, manifest);
            Assert.Equal(JsonSerializer.Serialize(record, record.GetType()), JsonSerializer.Serialize(back, back.GetType()));
        }
        var entries = ((DomainQueueSnapshot)Write(snapshot).Serializer.FromBinary(Write(snapshot).Bytes, "QS6")).Entries;
        Assert.Equal(["bulk", null], entries.Select(e => e.Pool));
    }

    [Fact]
    public void A_queued_event_in_the_qq3_layout_reads_in_the_default_pool()
    {
        // QQ3 is QQ5 without the trailing pool and tags, which absent ones write as a single byte each.
        var (serializer, manifest, bytes) = Write(new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then) { Traits = ContentTraits.EightBitMime });
        Assert.Equal("QQ5", manifest);

        var back = Assert.IsType<DeliveryQueued>(serializer.FromBinary(bytes[..^4], "QQ3"));

        Assert.Equal(("Q1", ContentTraits.EightBitMime, (string?)null), (back.QueueId, back.Traits, back.Pool));
    }

    [Fact]
    public void A_snapshot_in_the_qs4_layout_reads_in_the_default_pool()
    {
        // One entry without a pool or tags, not suspended, no unpublished events: QS4 is QS6 without the entry's pool and
        // tag bytes before the suspension flag, and without the count of unpublished events after it.
        var (serializer, _, bytes) = Write(new DomainQueueSnapshot([new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then, 2, Then, "451 x")]));
        var qs4 = bytes[..^6].Append(bytes[^2]).ToArray();

        var back = Assert.IsType<DomainQueueSnapshot>(serializer.FromBinary(qs4, "QS4"));

        var entry = Assert.Single(back.Entries);
        Assert.Equal(("Q1", 2, (string?)null), (entry.QueueId, entry.Attempts, entry.Pool));
        Assert.False(back.Suspended);
    }
}
