using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using ActorMTA.Server.Mailboxes;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

public sealed class SelectedFolderViewTests
{
    private static MailboxMessage Message(long uid, params string[] flags) =>
        new(uid, "Q" + uid, "ref-" + uid, 100, DateTimeOffset.UnixEpoch, MailboxMessage.FlagSet(flags));

    private static SelectedFolderView View(int count, long recentFrom = long.MaxValue, bool readOnly = false) =>
        new("INBOX", readOnly, 7, Enumerable.Range(1, count).Select(i => Message(i)), recentFrom, [.. MailboxFlags.System]);

    private static FolderChanged Change(IReadOnlyList<MailboxMessage>? appended = null, IReadOnlyList<long>? expunged = null,
        IReadOnlyList<FlagChange>? flags = null, IReadOnlyList<long>? recent = null) =>
        new("bob@example.org", "INBOX", appended ?? [], recent ?? [], expunged ?? [], flags ?? []);

    private static string[] Wire(IEnumerable<ImapResponse> responses) =>
        responses.Select(r => System.Text.Encoding.ASCII.GetString(ImapResponseFormatter.Format(r)).TrimEnd()).ToArray();

    [Fact]
    public void Held_changes_change_nothing_until_released()
    {
        var view = View(3);
        view.Hold(Change(expunged: [1]));
        view.Hold(Change(appended: [Message(4)]));

        Assert.Equal([1L, 2, 3], view.Messages.Select(m => m.Uid));
        Assert.Equal(["* 1 EXPUNGE", "* 3 EXISTS", "* 0 RECENT"], Wire(view.Release(expungesAllowed: true)));
        Assert.Equal([2L, 3, 4], view.Messages.Select(m => m.Uid));
        Assert.False(view.HasHeld);
    }

    [Fact]
    public void When_expunges_are_not_allowed_release_stops_before_the_first_expunge_and_keeps_the_rest_in_order()
    {
        var view = View(3);
        view.Hold(Change(appended: [Message(4)]));
        view.Hold(Change(expunged: [2]));
        view.Hold(Change(appended: [Message(5)]));

        Assert.Equal(["* 4 EXISTS", "* 0 RECENT"], Wire(view.Release(expungesAllowed: false)));
        Assert.True(view.HasHeld);
        Assert.Empty(view.Release(expungesAllowed: false));
        Assert.Equal(["* 2 EXPUNGE", "* 4 EXISTS", "* 0 RECENT"], Wire(view.Release(expungesAllowed: true)));
    }

    [Fact]
    public void An_expunge_of_a_message_the_view_no_longer_has_does_not_block()
    {
        var view = View(2);
        view.Expunge([2]);
        view.Hold(Change(expunged: [2]));
        view.Hold(Change(appended: [Message(3)]));

        Assert.Equal(["* 2 EXISTS", "* 0 RECENT"], Wire(view.Release(expungesAllowed: false)));
    }

    [Fact]
    public void Exists_counts_the_view_not_the_folder()
    {
        var view = View(5);
        // The folder lost four messages and gained one; the view has not been told about the expunges yet.
        view.HoldOwnAdded([Message(6)], [6]);
        var told = Wire(view.Release(expungesAllowed: true));
        Assert.Equal(["* 6 EXISTS", "* 1 RECENT"], told);
    }

    [Fact]
    public void Own_flags_supersede_an_older_held_change_of_the_same_message()
    {
        var view = View(2);
        view.Hold(Change(flags: [new FlagChange(1, MailboxMessage.FlagSet(["\\Flagged"])), new FlagChange(2, MailboxMessage.FlagSet(["\\Draft"]))]));
        view.ApplyOwnFlags([new FlagChange(1, MailboxMessage.FlagSet(["\\Seen"]))]);

        Assert.Equal(["* 2 FETCH (FLAGS (\\Draft) UID 2)"], Wire(view.Release(expungesAllowed: true)));
        Assert.Equal(["\\Seen"], view.Messages[0].Flags);
    }

    [Fact]
    public void A_silent_own_store_leaves_another_sessions_held_change_to_be_told_with_the_newest_flags()
    {
        var view = View(1);
        view.Hold(Change(flags: [new FlagChange(1, MailboxMessage.FlagSet(["\\Flagged"]))]));
        view.ApplyOwnFlags([new FlagChange(1, MailboxMessage.FlagSet(["\\Flagged", "\\Seen"]))], told: false);

        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Seen) UID 1)"], Wire(view.Release(expungesAllowed: true)));
    }

    [Fact]
    public void A_new_keyword_is_announced_once_with_flags_and_permanentflags()
    {
        var view = View(1);
        var first = Wire(view.ApplyOwnFlags([new FlagChange(1, MailboxMessage.FlagSet(["$Work"]))]));
        Assert.Equal(["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted"], first);
        Assert.Empty(view.ApplyOwnFlags([new FlagChange(1, MailboxMessage.FlagSet(["$work", "\\Seen"]))]));

        var examined = View(1, readOnly: true);
        examined.Hold(Change(flags: [new FlagChange(1, MailboxMessage.FlagSet(["$Home"]))]));
        Assert.Equal(["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Home)", "* 1 FETCH (FLAGS ($Home) UID 1)"],
            Wire(examined.Release(expungesAllowed: true)));
    }

    [Fact]
    public void Recent_and_released_content_follow_what_the_client_was_told()
    {
        var view = View(3, recentFrom: 3);
        Assert.Equal([3L], view.Recent);
        view.Hold(Change(expunged: [3, 1]));
        Assert.Empty(view.TakeReleasedContent());

        Assert.Equal(["* 3 EXPUNGE", "* 1 EXPUNGE"], Wire(view.Release(expungesAllowed: true)));
        Assert.Empty(view.Recent);
        Assert.Equal(["ref-3", "ref-1"], view.TakeReleasedContent());
        Assert.Empty(view.TakeReleasedContent());
    }

    [Fact]
    public void Own_expunge_tells_the_held_changes_first_so_a_message_not_yet_told_cannot_come_back_as_a_ghost()
    {
        var view = View(2);
        view.Hold(Change(expunged: [1]));
        view.Hold(Change(appended: [Message(3, "\\Deleted")]));

        // The session's own EXPUNGE removed uid 3 (never told) and uid 2.
        Assert.Equal(["* 1 EXPUNGE", "* 2 EXISTS", "* 0 RECENT", "* 2 EXPUNGE", "* 1 EXPUNGE"], Wire(view.Expunge([3, 2])));
        Assert.Empty(view.Messages);
        Assert.False(view.HasHeld);
        Assert.Empty(view.Release(expungesAllowed: true));
        Assert.Equal(["ref-1", "ref-3", "ref-2"], view.TakeReleasedContent());
    }
}
