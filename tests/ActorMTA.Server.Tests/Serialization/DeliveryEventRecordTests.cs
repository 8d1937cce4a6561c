using System.Text.Json;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>What delivery events are derived from survives the journal: message tags (QQ5, QS6), the attempt report
/// (QA2), and the events a snapshot holds for the event log (QS6). A QA1 attempt, written before reports, reads without one.</summary>
public sealed class DeliveryEventRecordTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    public DeliveryEventRecordTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private static readonly AttemptReport Report = new(AttemptKind.Attempt, Then, "mx.y.test", "127.0.0.9", "Tls13", "TLS_AES_256_GCM_SHA384", "ip-1",
        "mx.y.test", "Gmail", 42,
        [new RecipientReply("a@y.test", new SmtpReply(250, "2.0.0", "OK id=1")), new RecipientReply("b@y.test", new SmtpReply(451, "4.7.0", ["try", "later"]))]);

    public static TheoryData<object, string> Records => new()
    {
        { new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then) { Tags = new MessageTags("<m@h.test>", "acme", "spring") }, "QQ5" },
        { new DeliveryAttempted("Q1", ["a@y.test"], [], true, Then.AddMinutes(5), "451 later") { Report = Report }, "QA2" },
        { new DeliveryAttempted("Q1", ["a@y.test"], [], true, Then.AddMinutes(5), "451 later"), "QA1" },
        {
            new DomainQueueSnapshot([new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test"], 10, Then, 1, Then, null) { Tags = new MessageTags(null, "acme", null) }])
            {
                Unpublished = [new OutboxEntry(7, ["{\"id\":\"x/7/0\"}", "{\"id\":\"x/7/1\"}"]), new OutboxEntry(9, ["{\"id\":\"x/9/0\"}"])],
            },
            "QS6"
        },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Records_round_trip(object record, string expectedManifest)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(record);
        var manifest = serializer.Manifest(record);
        Assert.Equal(expectedManifest, manifest);

        var back = serializer.FromBinary(serializer.ToBinary(record), manifest);

        Assert.Equal(JsonSerializer.Serialize(record, record.GetType()), JsonSerializer.Serialize(back, back.GetType()));
    }

    [Fact]
    public void A_qa1_attempt_has_no_report()
    {
        var attempt = new DeliveryAttempted("Q1", [], [], false, Then, null) { Report = Report };
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(attempt);
        var plain = serializer.ToBinary(attempt with { Report = null });

        var back = Assert.IsType<DeliveryAttempted>(serializer.FromBinary(plain, "QA1"));

        Assert.Null(back.Report);
        Assert.Equal(Report, Assert.IsType<DeliveryAttempted>(serializer.FromBinary(serializer.ToBinary(attempt), "QA2")).Report, new ReportComparer());
    }

    private sealed class ReportComparer : IEqualityComparer<AttemptReport?>
    {
        public bool Equals(AttemptReport? x, AttemptReport? y) => JsonSerializer.Serialize(x) == JsonSerializer.Serialize(y);
        public int GetHashCode(AttemptReport? obj) => 0;
    }
}
