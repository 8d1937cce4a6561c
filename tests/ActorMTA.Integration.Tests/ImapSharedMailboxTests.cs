using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

public sealed class ImapSharedMailboxFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    private int _next;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public static readonly TestUser[] Users = Enumerable.Range(1, 20).Select(i => TestUser.Local("shared-" + i)).ToArray();

    /// <summary>A mailbox of its own for each test.</summary>
    public TestUser NextUser() => Users[Interlocked.Increment(ref _next) - 1];

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync("actormta.imap.auth-requires-tls = off", Users);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// Two IMAP sessions on one mailbox, raw protocol: each session's responses obey RFC 3501 sections 5.2, 5.5 and
/// 7.4.1 whatever the other one does.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ImapSharedMailboxTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private static readonly TimeSpan PushTime = TimeSpan.FromMilliseconds(700);

    private static string Message(int n, int bodyBytes = 0) =>
        $"From: a{n}@example.org\r\nTo: b@example.org\r\nSubject: message {n}\r\nMessage-ID: <m{n}@example.org>\r\n\r\n" +
        (bodyBytes > 0 ? new string((char)('a' + n % 26), bodyBytes) + "\r\n" : $"body {n}\r\n");

    /// <summary>Two sessions of a fresh mailbox holding <paramref name="count"/> messages, both with INBOX selected.</summary>
    private async Task<(RawImapSession A, RawImapSession B, TestUser User)> TwoSessionsAsync(int count, int bodyBytes = 0)
    {
        var user = fixture.NextUser();
        var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        var b = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        for (var i = 1; i <= count; i++) Assert.Contains(" OK ", (await b.AppendAsync("INBOX", Message(i, bodyBytes)))[^1]);
        Assert.Contains($"* {count} EXISTS", await a.CommandAsync("SELECT INBOX"));
        Assert.Contains($"* {count} EXISTS", await b.CommandAsync("SELECT INBOX"));
        return (a, b, user);
    }

    [Fact]
    public async Task Expunges_of_another_session_wait_for_a_command_and_never_interrupt_a_fetch()
    {
        var (a, b, _) = await TwoSessionsAsync(4);
        await using var _a = a;
        await using var _b = b;

        Assert.Contains(" OK ", (await b.CommandAsync("STORE 1:2 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.Equal(["* 1 EXPUNGE", "* 1 EXPUNGE"], (await b.CommandAsync("EXPUNGE")).SkipLast(1));

        // RFC 3501 7.4.1: no EXPUNGE while no command is in progress (the client may have one on its way)...
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");
        // ...nor while responding to FETCH: its sequence numbers are the ones the client knows.
        var fetch = await a.CommandAsync("FETCH 2,4 (UID)");
        Assert.Equal(["* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"], fetch.Take(2));
        // The \Deleted flags B set may be told here (FETCH FLAGS is allowed), the EXPUNGEs may not.
        Assert.DoesNotContain(fetch, l => l.EndsWith(" EXPUNGE"));
        Assert.StartsWith(" OK", fetch[^1][fetch[^1].IndexOf(' ')..]);
        var noop = await a.CommandAsync("NOOP");
        Assert.Equal(["* 1 EXPUNGE", "* 1 EXPUNGE"], noop.SkipLast(1));
        Assert.Equal(["* 1 FETCH (UID 3)", "* 2 FETCH (UID 4)"], (await a.CommandAsync("FETCH 1:* (UID)")).SkipLast(1));
    }

    [Fact]
    public async Task A_new_message_is_told_before_the_next_tagged_reply_not_after_it()
    {
        var (a, b, _) = await TwoSessionsAsync(1);
        await using var _a = a;
        await using var _b = b;

        Assert.Contains(" OK ", (await b.AppendAsync("INBOX", Message(2)))[^1]);
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");
        var noop = await a.CommandAsync("NOOP");
        Assert.Equal(["* 2 EXISTS", "* 2 RECENT"], noop.SkipLast(1)); // A took message 1 as \\Recent at SELECT
        Assert.True(await a.SendsNothingWithinAsync(TimeSpan.FromMilliseconds(300)), "untagged data after the tagged OK");
    }

    [Fact]
    public async Task Exists_never_goes_down_around_pipelined_appends_while_another_session_expunges()
    {
        var (a, b, _) = await TwoSessionsAsync(6);
        await using var _a = a;
        await using var _b = b;
        var appends = Enumerable.Range(10, 8).Select(i => Message(i)).ToList();

        // A pipelines APPENDs (non-synchronising literals) while B expunges; A's responses must stay consistent.
        var commands = new StringBuilder();
        var tags = new List<string>();
        foreach (var m in appends)
        {
            var tag = a.NextTag();
            tags.Add(tag);
            commands.Append($"{tag} APPEND INBOX {{{Encoding.UTF8.GetByteCount(m)}+}}\r\n{m}\r\n");
        }
        var sending = a.Connection.WriteAsync(Encoding.UTF8.GetBytes(commands.ToString()));
        await b.CommandAsync("STORE 1:5 +FLAGS.SILENT (\\Deleted)");
        await b.CommandAsync("EXPUNGE");
        await sending;
        var lines = await a.ReadUntilTaggedAsync(tags[^1]);
        lines.AddRange(await a.CommandAsync("NOOP"));

        var count = 6;
        foreach (var line in lines)
        {
            if (ExistsLine().Match(line) is { Success: true } exists)
            {
                var n = int.Parse(exists.Groups[1].Value);
                Assert.True(n >= count, $"EXISTS went down from {count} to {n}: {string.Join(" | ", lines)}");
                count = n;
            }
            else if (ExpungeLine().IsMatch(line)) count--;
        }
        Assert.Equal(6 - 5 + appends.Count, count);
        Assert.Equal(count, (await a.CommandAsync("FETCH 1:* (UID)")).Count - 1);
    }

    [Fact]
    public async Task Own_append_copy_and_move_into_the_selected_folder_are_told_before_the_tagged_ok()
    {
        var (a, b, _) = await TwoSessionsAsync(1);
        await using var _a = a;
        await using var _b = b;

        var append = await a.AppendAsync("INBOX", Message(2));
        Assert.Equal("* 2 EXISTS", append[0]);
        Assert.Contains(" OK [APPENDUID ", append[^1]);

        var copy = await a.CommandAsync("COPY 1 INBOX");
        Assert.Equal("* 3 EXISTS", copy[0]);
        Assert.Contains(" OK [COPYUID ", copy[^1]);

        var move = await a.CommandAsync("UID MOVE 1 INBOX");
        Assert.Contains("* 1 EXPUNGE", move);
        Assert.Contains("* 3 EXISTS", move);
        Assert.True(move.IndexOf("* 3 EXISTS") < move.Count - 1);
        // The moved message has a new uid and is in this session's view.
        Assert.Equal(["* 1 FETCH (UID 2)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)"], (await a.CommandAsync("FETCH 1:* (UID)")).SkipLast(1));

        // B sees all of it at its next command, in order.
        var noop = await b.CommandAsync("NOOP");
        Assert.Contains("* 1 EXPUNGE", noop);
        Assert.Equal(["* 1 FETCH (UID 2)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)"], (await b.CommandAsync("FETCH 1:* (UID)")).SkipLast(1));
    }

    [Fact]
    public async Task A_message_expunged_by_another_session_stays_readable_until_this_session_is_told()
    {
        // Large enough to be copied from the spool file to the socket rather than read into memory.
        var (a, b, _) = await TwoSessionsAsync(2, bodyBytes: 200_000);
        await using var _a = a;
        await using var _b = b;

        Assert.Contains(" OK ", (await b.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.Equal("* 1 EXPUNGE", (await b.CommandAsync("EXPUNGE"))[0]);
        await Task.Delay(PushTime);

        var fetch = await a.CommandAsync("FETCH 1 BODY.PEEK[]");
        Assert.Contains(" OK ", fetch[^1]);
        Assert.Equal(Message(1, 200_000), Encoding.UTF8.GetString(a.Literals[^1]));
        Assert.Equal("* 1 EXPUNGE", (await a.CommandAsync("NOOP"))[0]);
        Assert.Equal("* 1 FETCH (UID 2)", (await a.CommandAsync("FETCH 1 (UID)"))[0]);
    }

    [Fact]
    public async Task A_new_keyword_is_announced_with_flags_and_permanentflags_to_every_session()
    {
        var (a, b, _) = await TwoSessionsAsync(1);
        await using var _a = a;
        await using var _b = b;

        var store = await b.CommandAsync("STORE 1 +FLAGS ($Label1)");
        Assert.Equal("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)", store[0]);
        Assert.StartsWith("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)]", store[1]);
        Assert.StartsWith("* 1 FETCH (FLAGS (", store[2]);

        var noop = await a.CommandAsync("NOOP");
        Assert.Equal("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)", noop[0]);
        Assert.StartsWith("* OK [PERMANENTFLAGS (", noop[1]);
        Assert.Contains("$Label1", noop[2]);

        // A new SELECT lists it among the permanent flags.
        Assert.Contains(await a.CommandAsync("SELECT INBOX"), l => l.StartsWith("* OK [PERMANENTFLAGS (") && l.Contains("$Label1"));
        // Known from now on: not announced again.
        Assert.StartsWith("* 1 FETCH", (await b.CommandAsync("STORE 1 -FLAGS ($Label1)"))[0]);
    }

    [Fact]
    public async Task Search_from_matches_the_parsed_address_not_only_the_header_text()
    {
        var user = fixture.NextUser();
        await using var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        await a.AppendAsync("INBOX", "From: <user-from (comment)@ (comment) domain.org>\r\nTo: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\r\nSubject: s\r\n\r\nbody\r\n");
        await a.AppendAsync("INBOX", "From: other@domain.org\r\nTo: x@example.org\r\nSubject: s\r\n\r\nbody\r\n");
        await a.CommandAsync("SELECT INBOX");

        Assert.Equal("* SEARCH 1", (await a.CommandAsync("SEARCH FROM user-from@domain.org"))[0]);
        Assert.Equal("* SEARCH 1 2", (await a.CommandAsync("SEARCH FROM domain.org"))[0]);
        Assert.Equal("* SEARCH 1", (await a.CommandAsync("SEARCH CHARSET UTF-8 TO {5+}\r\nJörg"))[0]);
        Assert.Equal("* SEARCH 2", (await a.CommandAsync("UID SEARCH TO x@example.org"))[0]);
    }

    [Fact]
    public async Task Lsub_returns_noselect_parents_of_subscribed_children()
    {
        var user = fixture.NextUser();
        await using var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(" OK ", (await a.CommandAsync("CREATE Projects/Alpha"))[^1]);
        Assert.Contains(" OK ", (await a.CommandAsync("SUBSCRIBE Projects/Alpha"))[^1]);

        var top = await a.CommandAsync("LSUB \"\" \"%\"");
        Assert.Contains("* LSUB (\\Noselect) \"/\" Projects", top);
        Assert.DoesNotContain(top, l => l.Contains("Projects/Alpha"));
        var below = await a.CommandAsync("LSUB \"\" \"Projects/%\"");
        Assert.Contains("* LSUB () \"/\" Projects/Alpha", below);
        Assert.DoesNotContain(below, l => l.EndsWith(" Projects"));
    }

    [Fact]
    public async Task Held_updates_go_before_the_tagged_reply_of_a_rejected_command_too()
    {
        var (a, b, _) = await TwoSessionsAsync(1);
        await using var _a = a;
        await using var _b = b;

        Assert.Contains(" OK ", (await b.AppendAsync("INBOX", Message(2)))[^1]);
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");
        // LOGIN in the selected state is refused by the state rules, before any handler runs.
        var login = await a.CommandAsync("LOGIN x y");
        Assert.Equal(["* 2 EXISTS", "* 2 RECENT"], login.SkipLast(1));
        Assert.Contains(" BAD ", login[^1]);
        Assert.True(await a.SendsNothingWithinAsync(TimeSpan.FromMilliseconds(300)), "untagged data after the tagged reply");
    }

    [Fact]
    public async Task Own_expunge_of_a_message_not_yet_told_never_leaves_a_ghost_in_the_view()
    {
        var (a, b, _) = await TwoSessionsAsync(1);
        await using var _a = a;
        await using var _b = b;

        // B adds a \Deleted message A has not been told of; A's EXPUNGE removes it.
        Assert.Contains(" OK ", (await b.AppendAsync("INBOX", Message(2), "\\Deleted"))[^1]);
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");
        var expunge = await a.CommandAsync("EXPUNGE");
        Assert.Equal(["* 2 EXISTS", "* 2 RECENT", "* 2 EXPUNGE"], expunge.SkipLast(1));
        Assert.Equal(["* 1 FETCH (UID 1)"], (await a.CommandAsync("FETCH 1:* (UID)")).SkipLast(1));
        Assert.Empty((await a.CommandAsync("NOOP")).SkipLast(1));
    }

    [Fact]
    public async Task A_moved_message_stays_readable_where_it_was_even_when_its_new_copy_is_expunged()
    {
        var (a, b, _) = await TwoSessionsAsync(2, bodyBytes: 200_000);
        await using var _a = a;
        await using var _b = b;

        Assert.Contains(" OK ", (await b.CommandAsync("CREATE Archive"))[^1]);
        Assert.Contains(" OK ", (await b.CommandAsync("MOVE 1 Archive"))[^1]);
        Assert.Contains(" OK ", (await b.CommandAsync("SELECT Archive"))[^1]);
        Assert.Contains(" OK ", (await b.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.Equal("* 1 EXPUNGE", (await b.CommandAsync("EXPUNGE"))[0]);
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");

        // A still shows the message as 1 in INBOX: its bytes must still come.
        var fetch = await a.CommandAsync("FETCH 1 BODY.PEEK[]");
        Assert.Contains(" OK ", fetch[^1]);
        Assert.Equal(Message(1, 200_000), Encoding.UTF8.GetString(a.Literals[^1]));
        Assert.Equal("* 1 EXPUNGE", (await a.CommandAsync("NOOP"))[0]);
    }

    [Fact]
    public async Task A_fetch_of_content_gone_from_the_store_answers_no_and_the_session_goes_on()
    {
        var (a, b, _) = await TwoSessionsAsync(0);
        await using var _a = a;
        await using var _b = b;

        // A deleted folder takes its content at once; A still has it selected with its messages in view.
        Assert.Contains(" OK ", (await b.CommandAsync("CREATE Gone"))[^1]);
        Assert.Contains(" OK ", (await b.AppendAsync("Gone", Message(1, 200_000)))[^1]);
        Assert.Contains(" OK ", (await b.AppendAsync("Gone", Message(2)))[^1]);
        Assert.Contains("* 2 EXISTS", await a.CommandAsync("SELECT Gone"));
        Assert.Contains(" OK ", (await b.CommandAsync("DELETE Gone"))[^1]);
        Assert.True(await a.SendsNothingWithinAsync(PushTime), "untagged data sent while no command was in progress");

        var fetch = await a.CommandAsync("FETCH 1:2 (UID BODY.PEEK[])");
        Assert.DoesNotContain(fetch, l => l.EndsWith(" EXPUNGE"));
        Assert.Matches(@"^t\d+ NO \[EXPUNGEISSUED\]", fetch[^1]);
        // Metadata is still answered, and the session stays usable.
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)"], (await a.CommandAsync("FETCH 1:2 (UID)")).SkipLast(1));
        Assert.Equal(["* 1 EXPUNGE", "* 1 EXPUNGE"], (await a.CommandAsync("NOOP")).SkipLast(1));
    }

    [GeneratedRegex(@"^\* (\d+) EXISTS$")]
    private static partial Regex ExistsLine();

    [GeneratedRegex(@"^\* (\d+) EXPUNGE$")]
    private static partial Regex ExpungeLine();
}
