using System.Text;
using System.Text.Json;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>The IMAP-era mailbox events and the MS2 snapshot round-trip; journals written before them stay readable.</summary>
public sealed class MailboxRecordSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Then = new(2024, 12, 31, 23, 59, 58, 123, TimeSpan.FromMinutes(-330));

    public MailboxRecordSerializerTests() : base(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private static readonly MailboxMessage Described = new MailboxMessage(9, "Q9", "ref/9", 77, Then, MailboxMessage.FlagSet(["\\Answered", "$Forwarded"]))
        { Structure = [0, 1, 2, 255] };

    public static IEnumerable<object[]> Records() => new object[][]
    {
        [new FolderCreated("Sent", 1735689601) { SpecialUse = "\\Sent" }],
        [new FolderDeleted("Archive/2024 «ü»")],
        [new FolderRenamed("&AMk-t&AOk-", "Done/&AMk-t&AOk-")],
        [new FolderSubscriptionChanged("Lists", true)],
        [new FolderSubscriptionChanged("Lists", false)],
        [new MessageFlagsSet("INBOX", [new FlagChange(1, MailboxMessage.NoFlags), new FlagChange(long.MaxValue, MailboxMessage.FlagSet(["\\Seen", "\\Deleted", "Work"]))])],
        [new RecentBoundaryMoved("INBOX", 4242)],
        [new MessagesMoved("INBOX", "Trash", [1, 5, 9], [10, 11, 12])],
        [new MessageStructureComputed("INBOX", 3, [1, 2, 3, 0, 200])],
        [new MailboxSnapshot([
            new FolderSnapshot("INBOX", 42, 10, [Described, Described with { Uid = 3, Structure = null }]) { RecentBoundary = 4 },
            new FolderSnapshot("Trash", 43, 1, []) { SpecialUse = "\\Trash", RecentBoundary = 1 },
        ]) { Subscriptions = ["INBOX", "Gone"], LastUidValidity = 99 }],
        [new MessageAppended("INBOX", 7, "Q7", "ref/7", 4096, Then, MailboxMessage.NoFlags)
            { Envelope = new DeliveryEnvelope("smtp", "127.0.0.1", "", ["Info@Example.org", "bob@example.org"], new ActorMTA.Server.Queues.MessageTags("<m@x>", "t1", null)) }],
        [new MailboxSnapshot([new FolderSnapshot("INBOX", 42, 10, [Described])])
            { Unpublished = [new ActorMTA.Server.Observability.Events.OutboxEntry(3, ["{\"id\":\"a\"}", "{\"id\":\"b\"}"]), new ActorMTA.Server.Observability.Events.OutboxEntry(9, [])] }],
    };

    [Fact]
    public void Deliveries_with_an_envelope_use_MA2_and_everything_else_keeps_MA1_and_MS3()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(MessageAppended));
        var appended = new MessageAppended("INBOX", 1, "Q1", "ref/1", 10, Then, MailboxMessage.NoFlags);
        Assert.Equal("MA1", serializer.Manifest(appended));
        Assert.Equal("MA2", serializer.Manifest(appended with { Envelope = new DeliveryEnvelope("http", null, "s@x", ["r@y"], ActorMTA.Server.Queues.MessageTags.None) }));
        Assert.Equal("MS4", serializer.Manifest(new MailboxSnapshot([]) { Unpublished = [new ActorMTA.Server.Observability.Events.OutboxEntry(1, ["{}"])] }));
    }

    [Fact]
    public void An_append_in_the_MA1_layout_is_still_read_without_an_envelope()
    {
        // MA1 as the previous version wrote it: folder, uid, queue id, content ref, size, internal date, flags.
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("INBOX");
            w.Write7BitEncodedInt64(7);
            w.Write("Q7");
            w.Write("ref/7");
            w.Write7BitEncodedInt64(4096);
            w.Write(Then.UtcTicks);
            w.Write((short)Then.Offset.TotalMinutes);
            w.Write7BitEncodedInt(1);
            w.Write("\\Seen");
        }
        var serializer = Sys.Serialization.FindSerializerForType(typeof(MessageAppended));
        var back = (MessageAppended)Sys.Serialization.Deserialize(buffer.ToArray(), serializer.Identifier, "MA1");
        Assert.Equal(("INBOX", 7L, "Q7", "ref/7", 4096L, Then), (back.Folder, back.Uid, back.QueueId, back.ContentRef, back.Size, back.InternalDate));
        Assert.Equal(["\\Seen"], back.Flags);
        Assert.Null(back.Envelope);
    }

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
        Assert.Equal(Canonical(record), Canonical(back));
    }

    [Fact]
    public void Ordinary_folders_keep_the_MF1_layout_and_special_ones_use_MF2()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(FolderCreated));
        Assert.Equal("MF1", serializer.Manifest(new FolderCreated("Work", 5)));
        Assert.Equal("MF2", serializer.Manifest(new FolderCreated("Sent", 5) { SpecialUse = "\\Sent" }));
        Assert.Equal("MS3", serializer.Manifest(new MailboxSnapshot([])));
    }

    [Fact]
    public void A_snapshot_in_the_MS1_layout_is_still_read()
    {
        // MS1 as the previous version wrote it: folders (name, uidvalidity, uidnext, messages (uid, id, ref, size, date, flags)).
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write7BitEncodedInt(1);
            w.Write("INBOX");
            w.Write7BitEncodedInt64(1700000000);
            w.Write7BitEncodedInt64(8);
            w.Write7BitEncodedInt(1);
            w.Write7BitEncodedInt64(7);
            w.Write("Q7");
            w.Write("ref/7");
            w.Write7BitEncodedInt64(4096);
            w.Write(Then.UtcTicks);
            w.Write((short)Then.Offset.TotalMinutes);
            w.Write7BitEncodedInt(1);
            w.Write("\\Seen");
        }
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(MailboxSnapshot));

        var snapshot = Assert.IsType<MailboxSnapshot>(serializer.FromBinary(buffer.ToArray(), "MS1"));

        var folder = Assert.Single(snapshot.Folders);
        Assert.Equal(("INBOX", 1700000000L, 8L, 1L, (string?)null), (folder.Folder, folder.UidValidity, folder.UidNext, folder.RecentBoundary, folder.SpecialUse));
        var message = Assert.Single(folder.Messages);
        Assert.Equal((7L, "Q7", "ref/7", 4096L, Then, Then.Offset), (message.Uid, message.QueueId, message.ContentRef, message.Size, message.InternalDate, message.InternalDate.Offset));
        Assert.Equal(new[] { "\\Seen" }, message.Flags);
        Assert.Null(message.Structure);
        Assert.Empty(snapshot.Subscriptions);
        // Recovered state from it: the last UIDVALIDITY comes from the folders.
        Assert.Equal(1700000000L, MailboxState.FromSnapshot(snapshot).LastUidValidity);
    }

    private static string Canonical(object o) => JsonSerializer.Serialize(o, o.GetType());
}
