using ActorMTA.Server.Mailboxes;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>Sessions with a folder selected are told about changes others make (IDLE, untagged EXISTS/EXPUNGE/FETCH).</summary>
public sealed class MailboxNotificationTests(ITestOutputHelper output) : MailboxImapTestKit(output, "actormta.mailbox.passivate-after = 1s")
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
        Assert.Equal(("INBOX", 1), (change.Folder, change.Exists!.Value));
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
        Assert.Equal(stored.Flags, flags.FlagChanges);
        Assert.Null(flags.Exists);

        Ask<MessagesExpunged>(new ExpungeDeleted(Bob, "INBOX", null, actor.Ref));
        Assert.Equal(new[] { 1L }, other.ExpectMsg<FolderChanged>(WithinOneSecond).ExpungedUids);

        Ask<MessagesCopied>(new MoveMessages(Bob, "INBOX", [2], "INBOX", actor.Ref));
        var moved = other.ReceiveN(2, WithinOneSecond).Cast<FolderChanged>().ToList();
        Assert.Equal(new[] { 2L }, moved[0].ExpungedUids);
        Assert.Equal(new[] { 3L }, moved[1].Appended.Select(m => m.Uid));

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

        Assert.Equal(1, idle.ExpectMsg<FolderChanged>(WithinOneSecond).Exists);
    }
}
