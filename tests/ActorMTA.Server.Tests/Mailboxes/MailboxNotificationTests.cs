using ActorMTA.Server.Mailboxes;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>Sessions with a folder selected are told about changes others make (IDLE, untagged EXISTS/EXPUNGE/FETCH).</summary>
public sealed class MailboxNotificationTests(ITestOutputHelper output) : MailboxNotificationCases(output, null);

/// <summary>The cases of <see cref="MailboxNotificationTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class MailboxNotificationCases(ITestOutputHelper output, string? overrides)
    : MailboxImapTestKit(output, "actormta.mailbox.passivate-after = 1s\n" + overrides)
{
    private static readonly TimeSpan WithinOneSecond = TimeSpan.FromSeconds(1);

    private TestProbe SelectedSession(string folder = "INBOX", bool readOnly = false)
    {
        var session = CreateTestProbe();
        Ask<FolderSelected>(new SelectFolder(Bob, folder, session.Ref, readOnly));
        return session;
    }

    [Fact]
    public void A_selected_session_gets_exists_on_delivery_within_a_second_with_the_new_message_as_recent()
    {
        var idle = SelectedSession();
        var examining = SelectedSession(readOnly: true);

        Deliver("Q1");

        var change = idle.ExpectMsg<FolderChanged>(WithinOneSecond);
        Assert.Equal("INBOX", change.Folder);
        Assert.Equal(new[] { ("Q1", 1L) }, change.Appended.Select(m => (m.QueueId, m.Uid)));
        Assert.Equal(new[] { 1L }, change.RecentUids);
        var seen = examining.ExpectMsg<FolderChanged>(WithinOneSecond);
        Assert.Empty(seen.RecentUids); // \Recent belongs to one session only
        Assert.Equal(0, Folder("INBOX").Recent);
    }

    [Fact]
    public void Other_sessions_get_expunges_and_flag_changes_and_the_changing_session_only_its_reply()
    {
        Deliver("Q1");
        Deliver("Q2");
        var other = SelectedSession();
        var actor = SelectedSession();

        var stored = Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Deleted"], actor.Ref));
        var flags = other.ExpectMsg<FolderChanged>(WithinOneSecond);
        // By content: a FlagChange holds a set, which records compare by reference.
        Assert.Equal(stored.Flags.Select(Describe), flags.FlagChanges.Select(Describe));
        Assert.Empty(flags.Appended);

        Ask<MessagesExpunged>(new ExpungeDeleted(Bob, "INBOX", null, actor.Ref));
        Assert.Equal(new[] { 1L }, other.ExpectMsg<FolderChanged>(WithinOneSecond).ExpungedUids);

        var own = Ask<MessagesCopied>(new MoveMessages(Bob, "INBOX", [2], "INBOX", actor.Ref));
        var moved = other.ReceiveN(2, WithinOneSecond).Cast<FolderChanged>().ToList();
        Assert.Equal(new[] { 2L }, moved[0].ExpungedUids);
        Assert.Equal(new[] { 3L }, moved[1].Appended.Select(m => m.Uid));
        // The mover has INBOX selected: the moved message comes in its reply, to be told before its tagged OK.
        Assert.Equal(new[] { 3L }, own.Own!.Messages.Select(m => m.Uid));

        actor.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void POP3_expunges_reach_IMAP_sessions()
    {
        Deliver("Q1");
        var idle = SelectedSession();

        Ask<MessagesExpunged>(new ExpungeMessages(Bob, "INBOX", [1], 3));

        Assert.Equal(new[] { 1L }, idle.ExpectMsg<FolderChanged>(WithinOneSecond).ExpungedUids);
    }

    [Fact]
    public void Nothing_is_pushed_after_a_session_unselects_or_selects_another_folder()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Other"));
        var left = SelectedSession();
        var moved = SelectedSession();
        Ask<FolderUnselected>(new UnselectFolder(Bob, left.Ref));
        Ask<FolderSelected>(new SelectFolder(Bob, "Other", moved.Ref));

        Deliver("Q1");

        left.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        moved.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_dead_session_is_dropped()
    {
        var alive = SelectedSession();
        var doomed = SelectedSession();
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(AllDeadLetters));
        Watch(doomed.Ref);
        Sys.Stop(doomed.Ref);
        ExpectTerminated(doomed.Ref, Wait);

        Deliver("Q1");

        alive.ExpectMsg<FolderChanged>(WithinOneSecond);
        // A push to a session that is gone would end up as a dead letter.
        var letters = deadLetters.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => m as AllDeadLetters);
        Assert.DoesNotContain(letters, d => d.Message is FolderChanged);
    }

    [Fact]
    public void The_mailbox_does_not_passivate_while_a_session_has_a_folder_selected()
    {
        var idle = SelectedSession();

        // passivate-after is 1 s here: an entity that passivated would have forgotten the session.
        ExpectNoMsg(TimeSpan.FromSeconds(2.5));
        Deliver("Q1");

        Assert.Single(idle.ExpectMsg<FolderChanged>(WithinOneSecond).Appended);
    }

    [Fact]
    public void Own_append_and_copy_into_the_selected_folder_come_in_the_reply_with_recent_not_as_a_push()
    {
        var actor = SelectedSession();
        var other = SelectedSession(readOnly: true);

        var appended = Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "INBOX", "Q1", Content.Add("Q1"), 10, Arrival, [], actor.Ref));
        Assert.Equal(new[] { appended.Uid }, appended.Own!.Messages.Select(m => m.Uid));
        Assert.Equal(new[] { appended.Uid }, appended.Own.RecentUids);
        var copied = Ask<MessagesCopied>(new CopyMessages(Bob, "INBOX", [appended.Uid], "INBOX", actor.Ref));
        Assert.Equal(copied.TargetUids, copied.Own!.Messages.Select(m => m.Uid));

        actor.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, other.ReceiveN(2, WithinOneSecond).Cast<FolderChanged>().Sum(c => c.Appended.Count));
        // Appending elsewhere: nothing in the reply.
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Other"));
        Assert.Null(Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Other", "Q2", Content.Add("Q2"), 10, Arrival, [], actor.Ref)).Own);
    }

    [Fact]
    public void Expunged_content_stays_until_every_session_that_still_sees_it_is_done()
    {
        var reference = Content.Add("Q1");
        Deliver("Q1", reference);
        var actor = SelectedSession();
        var viewer = SelectedSession();
        var other = SelectedSession(readOnly: true);
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Deleted"], actor.Ref));
        viewer.ExpectMsg<FolderChanged>(WithinOneSecond);
        other.ExpectMsg<FolderChanged>(WithinOneSecond);

        Ask<MessagesExpunged>(new ExpungeDeleted(Bob, "INBOX", null, actor.Ref));
        viewer.ExpectMsg<FolderChanged>(WithinOneSecond);
        Assert.False(Content.IsReleased(reference), "released while two sessions still list the message");

        Regions.Mailbox.Tell(new ReleaseViewedContent(Bob, viewer.Ref, [reference]));
        Ask<FolderList>(new ListFolders(Bob));
        Assert.False(Content.IsReleased(reference), "released while one session still lists the message");

        Ask<FolderUnselected>(new UnselectFolder(Bob, other.Ref));
        AwaitAssert(() => Assert.True(Content.IsReleased(reference)), Wait);
    }

    [Fact]
    public void Expunged_content_is_released_when_the_last_session_that_sees_it_dies()
    {
        var reference = Content.Add("Q1");
        Deliver("Q1", reference);
        var actor = SelectedSession();
        var viewer = SelectedSession();
        Ask<MessagesExpunged>(new ExpungeMessages(Bob, "INBOX", [1], 3));
        viewer.ExpectMsg<FolderChanged>(WithinOneSecond);
        Assert.False(Content.IsReleased(reference));

        Sys.Stop(viewer.Ref);
        Sys.Stop(actor.Ref);

        AwaitAssert(() => Assert.True(Content.IsReleased(reference)), Wait);
    }

    private static string Describe(FlagChange change) =>
        $"{change.Uid} {change.ModSeq} [{string.Join(' ', change.Flags.Order(StringComparer.Ordinal))}]";
}
