using System.Text.Json;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>Every event and snapshot type goes through the serializer akka.conf binds, and comes back equal.</summary>
public sealed class EntityRecordSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2024, 12, 31, 23, 59, 58, 123, TimeSpan.FromMinutes(-330));

    // akka.conf's serializer bindings on a local (non-cluster) system: serialization needs no cluster.
    public EntityRecordSerializerTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private static readonly MailboxMessage Seen = new(7, "Q7", "ref/7", 4096, Then, MailboxMessage.FlagSet(new[] { "\\Seen", "$Label1" }));
    private static readonly QueuedDelivery Retried = new("Q2", "ref/2", "", new[] { "a@x.test", "b@x.test" }, 10, Then, 3, Then.AddMinutes(15), "451 4.7.1 greylisted");

    public static IEnumerable<object[]> Records() => new object[][]
    {
        [new FolderCreated("INBOX", 1735689600)],
        [new MessageAppended("INBOX", 1, "Q1", "ref/1", 123456789012, Then, MailboxMessage.NoFlags)],
        [new MessageAppended("Archive/2024 «ü»", long.MaxValue, "Q1", "ref/1", 0, DateTimeOffset.MinValue.ToOffset(TimeSpan.Zero), MailboxMessage.FlagSet(new[] { "\\Flagged" }))],
        [new MessagesRemoved("INBOX", new long[] { 1, 2, 300000 }, RemovalReason.Expunged)],
        [new MessagesRemoved("INBOX", Array.Empty<long>(), RemovalReason.Retracted)],
        [new MailboxSnapshot(new[]
        {
            new FolderSnapshot("INBOX", 42, 9, new[] { Seen with { Uid = 1, Flags = MailboxMessage.NoFlags }, Seen }),
            new FolderSnapshot("Sent", 43, 1, Array.Empty<MailboxMessage>()),
        })],
        [new MailboxSnapshot(Array.Empty<FolderSnapshot>())],
        [new DeliveryQueued("Q1", "ref/1", "sender@here.test", new[] { "r@x.test" }, 99, Then)],
        [new DeliveryQueued("Q1", "ref/1", "", Array.Empty<string>(), 0, Then)],
        [new DeliveryRemoved("Q1", QueueRemovalReason.Retracted)],
        [new DomainQueueSnapshot(new[] { Retried, Retried with { QueueId = "Q3", Attempts = 0, LastResult = null } })],
        [new GreylistTripletSeen("alice@example.net", "bob@example.org", Then)],
        [new GreylistTripletSeen("", "grüße@exämple.org", Then)],
        [new GreylistTripletPassed("alice@example.net", "bob@example.org", Then.AddMinutes(5), 1)],
        [new GreylistTripletPassed("", "bob@example.org", Then, int.MaxValue)],
        [new GreylistWhitelistRefreshed(Then)],
        [new GreylistSnapshot(new[]
        {
            new GreylistTriplet("pending@example.net", "bob@example.org", Then, null),
            new GreylistTriplet("", "bob@example.org", Then, Then.AddMinutes(5)),
        }, 7, Then.AddMinutes(5))],
        [new GreylistSnapshot(Array.Empty<GreylistTriplet>(), 0, null)],
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Round_trips_through_the_bound_serializer(object record)
    {
        var serializer = Sys.Serialization.FindSerializerFor(record);
        Assert.IsType<EntityRecordSerializer>(serializer);

        var bytes = serializer.ToBinary(record);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, record);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(record.GetType(), back);
        // The JSON form covers every field, offsets of timestamps included (IMAP shows the sender's zone).
        Assert.Equal(Canonical(record), Canonical(back));
    }

    [Fact]
    public void Records_are_compact()
    {
        var appended = new MessageAppended("INBOX", 12345, "2025030112000001ABCD", "ab/cd/2025030112000001ABCD.1", 48000, Then, MailboxMessage.NoFlags);
        var bytes = Sys.Serialization.FindSerializerFor(appended).ToBinary(appended);
        Assert.InRange(bytes.Length, 1, 90);
    }

    [Fact]
    public void An_unknown_manifest_is_refused_rather_than_misread()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(FolderCreated));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(new byte[] { 1, 2, 3 }, "MA9"));
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(FolderCreated));
        var bytes = serializer.ToBinary(new FolderCreated("INBOX", 1)).Append((byte)0).ToArray();
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes, serializer.Manifest(new FolderCreated("INBOX", 1))));
    }

    private static string Canonical(object o) => JsonSerializer.Serialize(o, o.GetType());
}
