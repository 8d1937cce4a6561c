using System.Text;
using System.Text.Json;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>The RFC 3461 parameters survive the journal (from QQ3) and the snapshot (from QS4); QQ2 and QS3 records stay readable.</summary>
public sealed class DsnRecordTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2025, 6, 30, 8, 0, 1, 5, TimeSpan.FromHours(2));

    private static readonly DsnMessageParameters Envelope = new(DsnReturn.Full, "envelope «id»+1");

    private static readonly Dictionary<string, DsnRecipientParameters> ByRecipient = new(StringComparer.Ordinal)
    {
        ["a@y.test"] = new(DsnNotify.Success | DsnNotify.Failure, "rfc822;old-a@y.test"),
        ["b@y.test"] = new(DsnNotify.Never, null),
    };

    public DsnRecordTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    public static IEnumerable<object[]> Records() => new object[][]
    {
        [new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test", "b@y.test", "c@y.test"], 10, Then)
            { Traits = ContentTraits.EightBitMime, Dsn = Envelope, RecipientDsn = ByRecipient }],
        [new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then) { Dsn = new DsnMessageParameters(DsnReturn.Headers, null) }],
        [new DomainQueueSnapshot([
            new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test", "b@y.test"], 10, Then, 2, Then.AddHours(1), "451 x")
                { Traits = ContentTraits.SmtpUtf8, Dsn = Envelope, RecipientDsn = ByRecipient, BouncesSent = 1 },
            new QueuedDelivery("Q2", "ref/2", "", ["c@y.test"], 0, Then, 0, Then, null),
        ]) { Suspended = true }],
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Dsn_parameters_round_trip(object record)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(record);
        var manifest = serializer.Manifest(record);
        Assert.Contains(manifest, new[] { "QQ5", "QS6" });

        var back = serializer.FromBinary(serializer.ToBinary(record), manifest);

        Assert.Equal(JsonSerializer.Serialize(record, record.GetType()), JsonSerializer.Serialize(back, back.GetType()));
    }

    [Fact]
    public void A_queued_event_without_dsn_parameters_reads_back_as_none()
    {
        var record = new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(record);
        var back = (DeliveryQueued)serializer.FromBinary(serializer.ToBinary(record), serializer.Manifest(record));
        Assert.True(back.Dsn.IsNone);
        Assert.Empty(back.RecipientDsn);
    }

    [Fact]
    public void A_queued_event_in_the_qq2_layout_is_read_without_dsn_parameters()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            WriteQueuedFields(w);
            w.Write((byte)ContentTraits.EightBitMime);
        }
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(DeliveryQueued));

        var queued = Assert.IsType<DeliveryQueued>(serializer.FromBinary(buffer.ToArray(), "QQ2"));

        Assert.Equal(("Q1", ContentTraits.EightBitMime, "a@y.test"), (queued.QueueId, queued.Traits, Assert.Single(queued.Recipients)));
        Assert.Equal(DsnMessageParameters.None, queued.Dsn);
        Assert.Empty(queued.RecipientDsn);
    }

    [Fact]
    public void A_snapshot_in_the_qs3_layout_is_read_without_dsn_parameters()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write7BitEncodedInt(1);
            WriteQueuedFields(w);
            w.Write7BitEncodedInt(3); // attempts
            w.Write(Then.UtcTicks); w.Write((short)120);
            w.Write(true); w.Write("451 later");
            w.Write7BitEncodedInt(0); // failures
            w.Write7BitEncodedInt(2); // bounces sent
            w.Write((byte)1); // delay warning sent
            w.Write((byte)ContentTraits.SmtpUtf8);
            w.Write((byte)1); // suspended
        }
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(DomainQueueSnapshot));

        var snapshot = Assert.IsType<DomainQueueSnapshot>(serializer.FromBinary(buffer.ToArray(), "QS3"));

        var entry = Assert.Single(snapshot.Entries);
        Assert.Equal(("Q1", 3, 2, true, ContentTraits.SmtpUtf8), (entry.QueueId, entry.Attempts, entry.BouncesSent, entry.DelayWarningSent, entry.Traits));
        Assert.Equal(DsnMessageParameters.None, entry.Dsn);
        Assert.Empty(entry.RecipientDsn);
        Assert.True(snapshot.Suspended);
    }

    private static void WriteQueuedFields(BinaryWriter w)
    {
        w.Write("Q1"); w.Write("ref/1"); w.Write("s@h.test");
        w.Write7BitEncodedInt(1); w.Write("a@y.test");
        w.Write7BitEncodedInt64(10);
        w.Write(Then.UtcTicks); w.Write((short)120);
    }
}
