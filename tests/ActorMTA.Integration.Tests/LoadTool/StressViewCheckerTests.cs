using System.Text;
using ActorMTA.LoadTests.Imap.Stress;
using Xunit;

namespace ActorMTA.Integration.Tests.LoadTool;

/// <summary>The imap-stress checker on recorded transcripts: each bad one breaks exactly its rule, good ones break none.</summary>
public sealed class StressViewCheckerTests
{
    private static readonly Dictionary<string, byte[]> Contents = new();

    private static StressViewChecker Selected(int exists, params long[] uids)
    {
        var checker = new StressViewChecker(id => Contents.GetValueOrDefault(id));
        checker.Sent(new SentCommand("s1", "SELECT", false, "SELECT INBOX"));
        checker.Received($"* {exists} EXISTS", []);
        checker.Received("s1 OK [READ-WRITE] SELECT completed", []);
        if (uids.Length > 0)
        {
            checker.Sent(new SentCommand("s2", "FETCH", false, "FETCH 1:* (UID)"));
            for (var i = 0; i < uids.Length; i++) checker.Received($"* {i + 1} FETCH (UID {uids[i]})", []);
            checker.Received("s2 OK FETCH completed", []);
        }
        return checker;
    }

    private static string[] Rules(StressViewChecker checker) => checker.Violations.Select(v => v.Rule).ToArray();

    [Fact]
    public void A_clean_transcript_with_pushed_changes_before_tagged_replies_breaks_no_rule()
    {
        var checker = Selected(3, 1, 2, 3);
        checker.Sent(new SentCommand("a", "NOOP", false, "NOOP"));
        checker.Received("* 1 EXPUNGE", []);
        checker.Received("* 3 EXISTS", []);
        checker.Received("* 2 FETCH (FLAGS (\\Seen) UID 3)", []);
        checker.Received("a OK NOOP completed", []);
        checker.Sent(new SentCommand("b", "FETCH", false, "FETCH 3 (UID)"));
        checker.Received("* 3 FETCH (UID 7)", []);
        checker.Received("b OK FETCH completed", []);

        Assert.Empty(checker.Violations);
        Assert.Equal([2L, 3, 7], checker.View);
    }

    [Fact]
    public void An_expunge_between_the_responses_of_a_fetch_breaks_the_fetch_rule()
    {
        var checker = Selected(4, 1, 2, 3, 4);
        checker.Sent(new SentCommand("a", "FETCH", false, "FETCH 2,4 (UID)"));
        checker.Received("* 2 FETCH (UID 2)", []);
        checker.Received("* 1 EXPUNGE", []);
        checker.Received("a OK FETCH completed", []);
        Assert.Equal(["expunge-during-fetch"], Rules(checker));
    }

    [Fact]
    public void Sequence_numbers_that_moved_under_the_client_break_the_uid_rule()
    {
        var checker = Selected(4, 1, 2, 3, 4);
        checker.Sent(new SentCommand("a", "FETCH", false, "FETCH 2 (UID)"));
        checker.Received("* 2 FETCH (UID 4)", []);
        checker.Received("a OK FETCH completed", []);
        Assert.Equal(["uid-changed"], Rules(checker));
    }

    [Fact]
    public void Exists_going_down_without_expunges_breaks_the_exists_rule()
    {
        var checker = Selected(21);
        checker.Sent(new SentCommand("a", "APPEND", false, "APPEND INBOX {10+}") { IntoSelected = true });
        checker.Received("* 8 EXISTS", []);
        checker.Received("a OK [APPENDUID 7 30] APPEND completed", []);
        Assert.Contains("exists-decreased", Rules(checker));
    }

    [Fact]
    public void Untagged_data_after_the_tagged_reply_with_nothing_in_flight_breaks_the_command_rule()
    {
        var checker = Selected(1, 1);
        checker.Sent(new SentCommand("a", "NOOP", false, "NOOP"));
        checker.Received("a OK NOOP completed", []);
        checker.Received("* 2 EXISTS", []);
        Assert.Equal(["untagged-without-command"], Rules(checker));
    }

    [Fact]
    public void Own_append_into_the_selected_folder_without_exists_before_the_ok_breaks_the_own_add_rule()
    {
        var checker = Selected(1, 1);
        checker.Sent(new SentCommand("a", "APPEND", false, "APPEND INBOX {10+}") { IntoSelected = true });
        checker.Received("a OK [APPENDUID 7 2] APPEND completed", []);
        Assert.Equal(["own-add-not-in-view"], Rules(checker));

        var told = Selected(1, 1);
        told.Sent(new SentCommand("a", "APPEND", false, "APPEND INBOX {10+}") { IntoSelected = true });
        told.Received("* 2 EXISTS", []);
        told.Received("a OK [APPENDUID 7 2] APPEND completed", []);
        Assert.Empty(told.Violations);
    }

    [Fact]
    public void Expunges_are_allowed_during_idle_and_uid_commands_but_not_without_a_command()
    {
        var checker = Selected(3, 1, 2, 3);
        checker.Sent(new SentCommand("a", "IDLE", false, "IDLE"));
        checker.Received("+ idling", []);
        checker.Received("* 1 EXPUNGE", []);
        checker.Received("a OK IDLE terminated", []);
        checker.Sent(new SentCommand("b", "FETCH", true, "UID FETCH 1:* (UID)"));
        checker.Received("* 1 EXPUNGE", []);
        checker.Received("b OK FETCH completed", []);
        Assert.Empty(checker.Violations);
        checker.Received("* 1 EXPUNGE", []);
        Assert.Equal(["untagged-without-command"], Rules(checker));
    }

    [Fact]
    public void A_store_result_other_than_stored_a_fetched_body_that_differs_and_a_no_each_break_their_rule()
    {
        Contents["id-1"] = Encoding.ASCII.GetBytes("X-Stress-Id: id-1\r\n\r\nbody\r\n");
        var checker = Selected(2, 1, 2);
        checker.Sent(new SentCommand("a", "STORE", true, "UID STORE 1 +FLAGS (\\Flagged)") { Store = ("+", ["\\Flagged"], [1], false) });
        checker.Received("* 1 FETCH (FLAGS (\\Seen) UID 1)", []);
        checker.Received("a OK STORE completed", []);
        checker.Sent(new SentCommand("b", "FETCH", true, "UID FETCH 2 BODY[]"));
        checker.Received("* 2 FETCH (UID 2 BODY[] {21})", [Encoding.ASCII.GetBytes("X-Stress-Id: id-1\r\n\r\nBODY\r\n")]);
        checker.Received("b OK FETCH completed", []);
        checker.Sent(new SentCommand("c", "FETCH", false, "FETCH 1 (UID)"));
        checker.Received("c NO [SERVERBUG] FETCH failed", []);
        checker.CompareWithFresh(checker.Snapshot(), [(1, ["\\Seen"]), (2, [])]);
        Assert.Equal(["body-differs", "serverbug", "store-result"], Rules(checker));
    }

    [Fact]
    public void A_store_of_a_message_another_session_expunged_may_show_that_sessions_flags()
    {
        var checker = Selected(2, 1, 2);
        checker.Sent(new SentCommand("a", "STORE", true, "UID STORE 1 FLAGS (\\Seen)") { Store = ("", ["\\Seen"], [1], false) });
        checker.Received("* 1 FETCH (FLAGS (\\Deleted) UID 1)", []);
        checker.Received("a OK STORE completed", []);
        checker.Sent(new SentCommand("b", "NOOP", false, "NOOP"));
        checker.Received("* 1 EXPUNGE", []);
        checker.Received("b OK NOOP completed", []);
        checker.CompareWithFresh(checker.Snapshot(), [(2, [])]);
        Assert.Empty(checker.Violations);
    }

    [Fact]
    public void The_quiesce_comparison_finds_a_view_or_flags_that_differ_from_a_fresh_fetch()
    {
        var checker = Selected(2, 1, 2);
        checker.Sent(new SentCommand("a", "FETCH", false, "FETCH 1:* (FLAGS)"));
        checker.Received("* 1 FETCH (FLAGS (\\Seen))", []);
        checker.Received("a OK FETCH completed", []);
        var known = checker.Snapshot();
        checker.CompareWithFresh(known, [(1, ["\\Seen"]), (2, [])]);
        Assert.Empty(checker.Violations);
        checker.CompareWithFresh(known, [(1, ["\\Flagged"]), (2, [])]);
        checker.CompareWithFresh(known, [(1, ["\\Seen"])]);
        Assert.Equal(["flags-differ", "view-differs"], Rules(checker));
    }

    [Fact]
    public void Own_move_into_the_selected_folder_must_show_its_copyuid_in_the_view_by_the_tagged_ok()
    {
        var told = Selected(2, 1, 2);
        told.Sent(new SentCommand("a", "MOVE", true, "UID MOVE 1 INBOX") { IntoSelected = true });
        told.Received("* OK [COPYUID 7 1 3] Moved", []);
        told.Received("* 1 EXPUNGE", []);
        told.Received("* 2 EXISTS", []);
        told.Received("a OK MOVE completed", []);
        Assert.Empty(told.Violations);

        var untold = Selected(2, 1, 2);
        untold.Sent(new SentCommand("a", "MOVE", true, "UID MOVE 1 INBOX") { IntoSelected = true });
        untold.Received("* OK [COPYUID 7 1 3] Moved", []);
        untold.Received("* 1 EXPUNGE", []);
        untold.Received("a OK MOVE completed", []);
        Assert.Equal(["own-add-not-in-view"], Rules(untold));
    }

    [Fact]
    public void A_store_by_number_is_checked_against_the_messages_at_those_numbers()
    {
        var checker = Selected(3, 1, 2, 3);
        checker.Sent(new SentCommand("a", "STORE", false, "STORE 2:3 -FLAGS (\\Seen)") { StoreByNumber = ("-", ["\\Seen"], [2, 3], false), Highest = 3 });
        checker.Received("* 2 FETCH (FLAGS ())", []);
        checker.Received("* 3 FETCH (FLAGS (\\Seen))", []);
        checker.Received("a OK STORE completed", []);
        // Silent: no FETCH comes back, the client applies its own change; a fresh fetch without it differs.
        checker.Sent(new SentCommand("b", "STORE", false, "STORE 2 +FLAGS.SILENT ($Work)") { StoreByNumber = ("+", ["$Work"], [2], true), Highest = 2 });
        checker.Received("b OK STORE completed", []);
        var known = checker.Snapshot();
        checker.CompareWithFresh(known, [(1, []), (2, ["$Work"]), (3, ["\\Seen"])]);
        Assert.Equal(["store-result"], Rules(checker));
        Assert.Contains("* 3 FETCH", checker.Violations[0].Detail);
        checker.CompareWithFresh(known, [(1, []), (2, []), (3, ["\\Seen"])]);
        Assert.Equal(["store-result", "flags-differ"], Rules(checker));
        Assert.Contains("uid 2", checker.Violations[1].Detail);
    }

    [Fact]
    public void Uid_search_may_name_only_messages_of_the_sessions_view()
    {
        var checker = Selected(3, 1, 2, 5);
        checker.Sent(new SentCommand("a", "SEARCH", false, "NOOP"));
        checker.Received("* 4 EXISTS", []);
        checker.Received("a OK NOOP completed", []);
        checker.Sent(new SentCommand("b", "SEARCH", true, "UID SEARCH ALL"));
        checker.Received("* SEARCH 1 2 5 9", []);
        checker.Received("b OK SEARCH completed", []);
        Assert.Empty(checker.Violations);
        checker.Sent(new SentCommand("c", "SEARCH", true, "UID SEARCH ALL"));
        checker.Received("* SEARCH 1 3 5", []);
        checker.Received("c OK SEARCH completed", []);
        Assert.Equal(["search-uid-not-in-view"], Rules(checker));
    }

    [Fact]
    public void A_refused_command_is_a_violation_unless_earlier_expunges_left_its_numbers_outside_the_view()
    {
        var checker = Selected(3, 1, 2, 3);
        checker.Sent(new SentCommand("a", "EXPUNGE", false, "EXPUNGE"));
        checker.Sent(new SentCommand("b", "FETCH", false, "FETCH 3 (FLAGS)") { Highest = 3 });
        checker.Received("* 3 EXPUNGE", []);
        checker.Received("a OK EXPUNGE completed", []);
        checker.Received("b BAD Invalid messageset", []);
        Assert.Empty(checker.Violations);

        checker.Sent(new SentCommand("c", "FETCH", false, "FETCH 2 (FLAGS)") { Highest = 2 });
        checker.Received("c BAD Invalid messageset", []);
        checker.Sent(new SentCommand("d", "COPY", true, "UID COPY 1 StressOther"));
        checker.Received("d NO COPY failed", []);
        Assert.Equal(["bad", "no"], Rules(checker));
    }

    [Fact]
    public void Flags_told_during_a_silent_store_are_the_newest_and_the_silent_change_is_not_applied_over_them()
    {
        var checker = Selected(2, 1, 2);
        checker.Sent(new SentCommand("a", "FETCH", false, "FETCH 1:2 (FLAGS)"));
        checker.Received("* 1 FETCH (FLAGS (\\Seen))", []);
        checker.Received("* 2 FETCH (FLAGS ())", []);
        checker.Received("a OK FETCH completed", []);
        checker.Sent(new SentCommand("b", "STORE", true, "UID STORE 1,2 +FLAGS.SILENT ($Work)") { Store = ("+", ["$Work"], [1, 2], true) });
        // Another session removed \Seen from 1 after this STORE: the server tells 1's newest flags, not 2's.
        checker.Received("* 1 FETCH (FLAGS ($Work) UID 1)", []);
        checker.Received("b OK STORE completed", []);
        checker.CompareWithFresh(checker.Snapshot(), [(1, ["$Work"]), (2, ["$Work"])]);
        Assert.Empty(checker.Violations);
    }

    [Fact]
    public void A_store_told_with_other_flags_counts_only_if_its_message_is_still_there_at_the_end()
    {
        var checker = Selected(2, 1, 2);
        checker.Sent(new SentCommand("a", "STORE", false, "STORE 1 +FLAGS ($Home)") { StoreByNumber = ("+", ["$Home"], [1], false), Highest = 1 });
        checker.Received("* 1 FETCH (FLAGS (\\Deleted) UID 1)", []);
        checker.Received("a OK STORE completed", []);
        // CLOSE expunges the \Deleted message silently: the view never sees its EXPUNGE.
        checker.Sent(new SentCommand("b", "CLOSE", false, "CLOSE"));
        checker.Received("b OK CLOSE completed", []);
        checker.Sent(new SentCommand("c", "SELECT", false, "SELECT INBOX"));
        checker.Received("* 1 EXISTS", []);
        checker.Received("c OK SELECT completed", []);
        var known = checker.Snapshot();
        checker.CompareWithFresh(known, [(2, [])]);
        Assert.Empty(checker.Violations);

        var kept = Selected(2, 1, 2);
        kept.Sent(new SentCommand("a", "STORE", false, "STORE 1 +FLAGS ($Home)") { StoreByNumber = ("+", ["$Home"], [1], false), Highest = 1 });
        kept.Received("* 1 FETCH (FLAGS (\\Deleted) UID 1)", []);
        kept.Received("a OK STORE completed", []);
        kept.CompareWithFresh(kept.Snapshot(), [(1, ["\\Deleted"]), (2, [])]);
        Assert.Equal(["store-result"], Rules(kept));
    }
}
