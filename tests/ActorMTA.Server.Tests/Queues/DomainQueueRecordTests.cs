using System.Text;
using System.Text.Json;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>The delivery events and the current snapshot layout go through the bound serializer; journals with QS1 snapshots stay readable.</summary>
public sealed class DomainQueueRecordTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2025, 6, 30, 8, 0, 1, 5, TimeSpan.FromHours(2));

    public DomainQueueRecordTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private static readonly FailedDelivery Failed = new("x@y.test", "5.1.1", "smtp; 550 5.1.1 no such user", "mx.y.test", Then);

    public static IEnumerable<object[]> Records() => new object[][]
    {
        [new DeliveryAttempted("Q1", ["a@y.test"], [Failed, Failed with { RemoteMta = null, Status = "4.4.7" }], true, Then, "451 4.3.0 later")],
        [new DeliveryAttempted("Q1", [], [], false, Then, null)],
        [new BounceSent("Q1", 2, ["x@y.test", "z@y.test"])],
        [new DelayWarningSent("Q1")],
        [new QueueSuspensionChanged(true)],
        [new QueueFlushed(Then)],
        [new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then) { Traits = ContentTraits.EightBitMime | ContentTraits.SmtpUtf8 }],
        [new DeliveryQueued("Q2", "ref/2", "", ["b@y.test"], 0, Then)],
        [new DeliveryRemoved("Q1", QueueRemovalReason.Completed)],
        [new DeliveryRemoved("Q1", QueueRemovalReason.Deleted)],
        [new DomainQueueSnapshot([
            new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then, 2, Then.AddHours(1), "451 x") { Failures = [Failed], BouncesSent = 1, DelayWarningSent = true, Traits = ContentTraits.EightBitMime },
            new QueuedDelivery("Q2", "ref/2", "", [], 0, Then, 0, Then, null),
        ]) { Suspended = true }],
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Round_trips_through_the_bound_serializer(object record)
    {
        var serializer = Sys.Serialization.FindSerializerFor(record);
        Assert.IsType<EntityRecordSerializer>(serializer);

        var bytes = serializer.ToBinary(record);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, record));

        Assert.Equal(JsonSerializer.Serialize(record, record.GetType()), JsonSerializer.Serialize(back, back.GetType()));
    }

    [Fact]
    public void A_queued_event_written_before_content_traits_reads_as_plain_seven_bit()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("Q1"); w.Write("ref/1"); w.Write("s@h.test");
            w.Write7BitEncodedInt(1); w.Write("a@y.test");
            w.Write7BitEncodedInt64(10);
            w.Write(Then.UtcTicks); w.Write((short)120);
        }
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(DeliveryQueued));

        var queued = Assert.IsType<DeliveryQueued>(serializer.FromBinary(buffer.ToArray(), "QQ1"));

        Assert.Equal(("Q1", ContentTraits.None), (queued.QueueId, queued.Traits));
    }

    [Fact]
    public void A_snapshot_written_in_the_first_layout_is_still_read()
    {
        // QS1, as the version before delivery wrote it: entries without failures, no suspension flag.
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write7BitEncodedInt(1);
            w.Write("Q1"); w.Write("ref/1"); w.Write("s@h.test");
            w.Write7BitEncodedInt(1); w.Write("a@y.test");
            w.Write7BitEncodedInt64(10);
            w.Write(Then.UtcTicks); w.Write((short)120);
            w.Write7BitEncodedInt(3);
            w.Write(Then.UtcTicks); w.Write((short)120);
            w.Write(true); w.Write("451 later");
        }
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(DomainQueueSnapshot));

        var snapshot = Assert.IsType<DomainQueueSnapshot>(serializer.FromBinary(buffer.ToArray(), "QS1"));

        var entry = Assert.Single(snapshot.Entries);
        Assert.Equal(("Q1", 3, "451 later", Then), (entry.QueueId, entry.Attempts, entry.LastResult, entry.QueuedAt));
        Assert.Empty(entry.Failures);
        Assert.False(snapshot.Suspended);
    }

    [Fact]
    public void State_keeps_failures_for_the_bounce_and_for_the_double_bounce_but_not_of_a_double_bounce()
    {
        var state = new DomainQueueState();
        state.Apply(new DeliveryQueued("Q1", "r1", "s@h.test", ["a@y.test", "x@y.test"], 1, Then));
        state.Apply(new DeliveryQueued("Q2", "r2", "", ["x@y.test"], 1, Then));
        state.Apply(new DeliveryQueued("Q3.D1", "r3", "", ["x@y.test"], 1, Then));

        state.Apply(new DeliveryAttempted("Q1", ["a@y.test"], [Failed], true, Then, "550"));
        state.Apply(new DeliveryAttempted("Q2", [], [Failed], true, Then, "550"));
        state.Apply(new DeliveryAttempted("Q3.D1", [], [Failed], true, Then, "550"));

        var q1 = state.Find("Q1")!;
        Assert.Empty(q1.Recipients);
        Assert.Equal([Failed], q1.Failures);
        Assert.Equal(1, q1.Attempts);
        // Mail from <> that failed waits for its double bounce to the postmaster; a failed double bounce does not.
        Assert.Equal(["Q1", "Q2"], state.AwaitingBounce().Select(e => e.QueueId).Order());
        Assert.Equal([Failed], state.Find("Q2")!.Failures);
        Assert.Empty(state.Find("Q3.D1")!.Failures);
        Assert.Empty(state.ByNextAttempt());
        state.Apply(new BounceSent("Q2", 1, ["x@y.test"]));

        state.Apply(new BounceSent("Q1", 1, ["x@y.test"]));
        Assert.Empty(state.Find("Q1")!.Failures);
        Assert.Equal(1, state.Find("Q1")!.BouncesSent);
        Assert.Empty(state.AwaitingBounce());
    }

    [Fact]
    public void Flush_makes_later_attempts_due_and_leaves_earlier_ones()
    {
        var state = new DomainQueueState();
        state.Apply(new DeliveryQueued("Q1", "r1", "s@h.test", ["a@y.test"], 1, Then));
        state.Apply(new DeliveryQueued("Q2", "r2", "s@h.test", ["a@y.test"], 1, Then));
        state.Apply(new DeliveryAttempted("Q1", [], [], true, Then.AddHours(2), "451"));

        state.Apply(new QueueFlushed(Then.AddMinutes(1)));

        Assert.Equal(Then.AddMinutes(1), state.Find("Q1")!.NextAttemptAt);
        Assert.Equal(Then, state.Find("Q2")!.NextAttemptAt);
        Assert.Equal(["Q2", "Q1"], state.ByNextAttempt().Select(e => e.QueueId));
    }
}
