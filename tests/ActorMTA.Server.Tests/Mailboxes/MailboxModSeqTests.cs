using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>
/// RFC 7162 mod-sequences as the mailbox state assigns them: every change takes the next value, a replay gives the same
/// values, and a snapshot (layout MS3) carries them, with the expunge log QRESYNC answers VANISHED from.
/// </summary>
public class MailboxModSeqTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
    .WithFallback(Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf")))))
{
    private static readonly DateTimeOffset Then = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static MessageAppended Appended(string folder, long uid) =>
        new(folder, uid, "Q" + uid, $"ref/{folder}/{uid}", 100, Then, MailboxMessage.NoFlags);

    private static readonly IMailboxEvent[] History =
    [
        new FolderCreated("INBOX", 7),
        Appended("INBOX", 1),
        Appended("INBOX", 2),
        Appended("INBOX", 3),
        new FolderCreated("Archive", 8),
        new MessageFlagsSet("INBOX", [new FlagChange(2, MailboxMessage.FlagSet(["\\Seen"])), new FlagChange(3, MailboxMessage.FlagSet(["$Work"]))]),
        new MessagesRemoved("INBOX", [1], RemovalReason.Expunged),
        new MessagesMoved("INBOX", "Archive", [3], [1]),
        new MessageStructureComputed("INBOX", 2, [1, 2]),
    ];

    private static MailboxState Replay(IEnumerable<IMailboxEvent> events, MailboxState? from = null)
    {
        var state = from ?? new MailboxState();
        foreach (var e in events) state.Apply(e);
        return state;
    }

    [Fact]
    public void Every_change_takes_the_next_mod_sequence_and_expunges_are_logged()
    {
        var state = Replay(History);
        var inbox = state.Inbox;
        var archive = state.Folder("Archive")!;

        // 1 at the start; appends 2, 3, 4; flags 5; expunge 6; move 7. Structure and folder creation take none.
        Assert.Equal(7, state.HighestModSeq);
        var two = inbox.Get(2)!;
        Assert.Equal(5, two.ModSeq);
        Assert.Equal([1, 2], two.Structure!);
        Assert.Equal(7, inbox.HighestModSeq);
        Assert.Equal(7, archive.Get(1)!.ModSeq);
        Assert.Equal(7, archive.HighestModSeq);

        Assert.Equal([1L, 3L], inbox.VanishedSince(5)!);
        Assert.Equal([3L], inbox.VanishedSince(6)!);
        Assert.Empty(inbox.VanishedSince(7)!);
        Assert.Empty(archive.VanishedSince(1)!);
    }

    [Fact]
    public void A_folder_created_later_starts_at_the_mailbox_counter()
    {
        var state = Replay([.. History, new FolderCreated("Later", 9)]);
        Assert.Equal(7, state.Folder("Later")!.HighestModSeq);
    }

    [Fact]
    public void A_snapshot_round_trip_and_the_events_after_it_give_the_same_mod_sequences_as_a_full_replay()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(MailboxSnapshot));
        var head = History[..6];
        var tail = History[6..];
        var snapshot = Replay(head).ToSnapshot();
        Assert.Equal("MS3", serializer.Manifest(snapshot));
        var restored = (MailboxSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), "MS3");

        var resumed = Replay(tail, MailboxState.FromSnapshot(restored));
        var full = Replay(History);

        Assert.Equal(full.HighestModSeq, resumed.HighestModSeq);
        foreach (var folder in full.Folders)
        {
            var other = resumed.Folder(folder.Name)!;
            Assert.Equal(folder.HighestModSeq, other.HighestModSeq);
            Assert.Equal(folder.Messages.Select(m => (m.Uid, m.ModSeq)), other.Messages.Select(m => (m.Uid, m.ModSeq)));
            Assert.Equal(folder.VanishedLog, other.VanishedLog);
        }

        // And the expunge log itself survives a snapshot.
        var again = (MailboxSnapshot)serializer.FromBinary(serializer.ToBinary(full.ToSnapshot()), "MS3");
        Assert.Equal([(1L, 6L), (3L, 7L)], again.Folders.Single(f => f.Folder == "INBOX").Vanished);
    }

    [Fact]
    public void A_snapshot_without_mod_sequences_from_the_MS1_and_MS2_layouts_starts_everything_at_one()
    {
        var old = new MailboxSnapshot([new FolderSnapshot("INBOX", 7, 3, [new MailboxMessage(2, "Q2", "ref/2", 10, Then, MailboxMessage.NoFlags)])]);
        var state = MailboxState.FromSnapshot(old);
        Assert.Equal((1L, 1L, 1L), (state.HighestModSeq, state.Inbox.HighestModSeq, state.Inbox.Get(2)!.ModSeq));
        state.Apply(new MessageFlagsSet("INBOX", [new FlagChange(2, MailboxMessage.FlagSet(["\\Seen"]))]));
        Assert.Equal((2L, 2L), (state.Inbox.Get(2)!.ModSeq, state.Inbox.HighestModSeq));
    }

    [Fact]
    public void The_expunge_log_is_bounded_and_says_when_it_does_not_reach_back()
    {
        var events = new List<IMailboxEvent> { new FolderCreated("INBOX", 7) };
        var count = FolderState.VanishedLogLimit + 10;
        for (var uid = 1; uid <= count; uid++) events.Add(Appended("INBOX", uid));
        for (var uid = 1; uid <= count; uid++) events.Add(new MessagesRemoved("INBOX", [uid], RemovalReason.Expunged));
        var inbox = Replay(events).Inbox;

        Assert.Equal(FolderState.VanishedLogLimit, inbox.VanishedLog.Count());
        Assert.Null(inbox.VanishedSince(1));
        var recent = inbox.VanishedSince(inbox.HighestModSeq - 3)!;
        Assert.Equal(Enumerable.Range(count - 2, 3).Select(u => (long)u), recent);
    }
}
