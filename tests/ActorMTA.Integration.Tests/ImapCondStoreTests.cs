using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// CONDSTORE and QRESYNC (RFC 7162) over real sockets: raw sessions checking the wire against the RFC, and MailKit,
/// which resynchronises with them as Thunderbird and K-9 do.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ImapCondStoreTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private static string Message(int n) => $"From: a{n}@example.org\r\nSubject: message {n}\r\nMessage-ID: <c{n}@example.org>\r\n\r\nbody {n}\r\n";

    [GeneratedRegex(@"HIGHESTMODSEQ (\d+)")]
    private static partial Regex HighestModSeqPattern();

    [GeneratedRegex(@"UIDVALIDITY (\d+)")]
    private static partial Regex UidValidityPattern();

    [GeneratedRegex(@"MODSEQ \((\d+)\)")]
    private static partial Regex ModSeqPattern();

    private static long Number(Regex pattern, IEnumerable<string> lines) =>
        long.Parse(lines.Select(l => pattern.Match(l)).First(m => m.Success).Groups[1].Value);

    /// <summary>Assert.Matches that shows the whole response when it fails.</summary>
    private static void Has(string pattern, string line, IEnumerable<string> response) =>
        Assert.True(Regex.IsMatch(line, pattern), $"{pattern} not in: {string.Join(" | ", response)}");

    private async Task<(RawImapSession Session, TestUser User)> MailboxWithAsync(int count)
    {
        var user = fixture.NextUser();
        var session = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        for (var i = 1; i <= count; i++) Assert.Contains(" OK ", (await session.AppendAsync("INBOX", Message(i)))[^1]);
        return (session, user);
    }

    [Fact]
    public async Task Select_reports_highestmodseq_and_every_change_raises_it()
    {
        var (a, _) = await MailboxWithAsync(3);
        await using var _a = a;
        var select = await a.CommandAsync("SELECT INBOX (CONDSTORE)");
        var before = Number(HighestModSeqPattern(), select);
        Assert.Contains(select, l => l.StartsWith("* OK [HIGHESTMODSEQ "));

        var fetch = await a.CommandAsync("FETCH 1:3 (UID MODSEQ)");
        var modSeqs = fetch.SkipLast(1).Select(l => long.Parse(ModSeqPattern().Match(l).Groups[1].Value)).ToList();
        Assert.Equal(3, modSeqs.Count);
        Assert.True(modSeqs.SequenceEqual(modSeqs.Order()) && modSeqs.Distinct().Count() == 3, string.Join(" | ", fetch));
        Assert.Equal(before, modSeqs.Max());

        // CONDSTORE is on (SELECT asked for it): the STORE's FETCH carries the new mod-sequence, higher than any before.
        var store = await a.CommandAsync("STORE 2 +FLAGS (\\Flagged)");
        var stored = Number(ModSeqPattern(), store);
        Assert.True(stored > before, string.Join(" | ", store));
        Has(@"^\* 2 FETCH \(FLAGS \(\\Flagged \\Recent\) MODSEQ \(\d+\)\)$", store[0], store);
        var status = await a.CommandAsync("STATUS INBOX (MESSAGES HIGHESTMODSEQ)");
        Assert.Equal($"* STATUS INBOX (MESSAGES 3 HIGHESTMODSEQ {stored})", status[0]);

        // CHANGEDSINCE returns only what changed after it, with MODSEQ.
        var changed = await a.CommandAsync($"FETCH 1:* (FLAGS) (CHANGEDSINCE {before})");
        Assert.Equal([$"* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({stored}))"], changed.SkipLast(1));
        // SEARCH MODSEQ finds it and reports the highest mod-sequence of the matches.
        Assert.Equal($"* SEARCH 2 (MODSEQ {stored})", (await a.CommandAsync($"SEARCH MODSEQ {before + 1}"))[0]);
        Assert.Equal("* SEARCH", (await a.CommandAsync($"SEARCH MODSEQ {stored + 1}"))[0]);
    }

    [Fact]
    public async Task A_conditional_store_leaves_a_message_another_session_changed_and_names_it_in_modified()
    {
        var (a, user) = await MailboxWithAsync(3);
        await using var _a = a;
        await using var b = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        var known = Number(HighestModSeqPattern(), await a.CommandAsync("SELECT INBOX"));
        await b.CommandAsync("SELECT INBOX");
        Assert.Contains(" OK ", (await b.CommandAsync("STORE 2 +FLAGS ($Work)"))[^1]);

        // RFC 7162 section 3.1.3 example: message 2 changed after `known`, so it is left alone and named.
        var store = await a.CommandAsync($"STORE 1:3 (UNCHANGEDSINCE {known}) +FLAGS.SILENT (\\Deleted)");
        Has(@"^t\d+ OK \[MODIFIED 2\]", store[^1], store);
        // .SILENT with CONDSTORE still tells the new mod-sequences of what changed (and B's change of 2, now due).
        Assert.True(store.Any(l => Regex.IsMatch(l, @"^\* 1 FETCH \(MODSEQ \(\d+\)\)$")), string.Join(" | ", store));
        Assert.True(store.Any(l => Regex.IsMatch(l, @"^\* 3 FETCH \(MODSEQ \(\d+\)\)$")), string.Join(" | ", store));
        var flags = await a.CommandAsync("FETCH 1:3 (FLAGS)");
        Has(@"^\* 1 FETCH \(FLAGS \(\\Deleted \\Recent\) MODSEQ", flags[0], flags);
        Has(@"^\* 2 FETCH \(FLAGS \(\$Work \\Recent\) MODSEQ", flags[1], flags);
        Has(@"^\* 3 FETCH \(FLAGS \(\\Deleted \\Recent\) MODSEQ", flags[2], flags);

        // UID STORE names uids; UNCHANGEDSINCE 0 always fails where the message exists.
        var uidStore = await a.CommandAsync("UID STORE 1:* (UNCHANGEDSINCE 0) -FLAGS (\\Deleted)");
        Has(@"^t\d+ OK \[MODIFIED 1:3\]", uidStore[^1], uidStore);
    }

    [Fact]
    public async Task With_qresync_enabled_expunges_are_told_as_vanished_and_flag_changes_carry_uid_and_modseq()
    {
        var (a, user) = await MailboxWithAsync(4);
        await using var _a = a;
        await using var b = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Equal("* ENABLED QRESYNC", (await a.CommandAsync("ENABLE QRESYNC"))[0]);
        Assert.Equal("* ENABLED", (await a.CommandAsync("ENABLE QRESYNC CONDSTORE"))[0]); // both on already
        await a.CommandAsync("SELECT INBOX");
        await b.CommandAsync("SELECT INBOX");

        await b.CommandAsync("STORE 2,4 +FLAGS.SILENT (\\Deleted)");
        await b.CommandAsync("EXPUNGE");
        await b.CommandAsync("STORE 1 +FLAGS.SILENT (\\Seen)");
        var noop = await a.CommandAsync("NOOP");
        Assert.True(noop.Contains("* VANISHED 2,4"), string.Join(" | ", noop));
        Assert.DoesNotContain(noop, l => l.EndsWith(" EXPUNGE"));
        Assert.True(noop.Any(l => Regex.IsMatch(l, @"^\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) UID 1 MODSEQ \(\d+\)\)$")), string.Join(" | ", noop));
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)"], (await a.CommandAsync("FETCH 1:* (UID)")).SkipLast(1));

        // A SELECT while one is selected says where the old mailbox's responses end.
        Assert.Contains("* OK [CLOSED] Previous mailbox closed", await a.CommandAsync("EXAMINE INBOX"));
        // Its own EXPUNGE too comes as VANISHED.
        await a.CommandAsync("SELECT INBOX");
        await a.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* VANISHED 1"], (await a.CommandAsync("EXPUNGE")).SkipLast(1));
    }

    [Fact]
    public async Task Select_qresync_tells_what_vanished_and_changed_since_the_clients_cache()
    {
        var (a, user) = await MailboxWithAsync(5);
        string uidValidity;
        long cached;
        await using (a)
        {
            var select = await a.CommandAsync("SELECT INBOX");
            uidValidity = UidValidityPattern().Match(select.First(l => l.Contains("UIDVALIDITY"))).Groups[1].Value;
            cached = Number(HighestModSeqPattern(), select);
        }

        // While the client is away another session expunges 2 and 4 and flags 5.
        await using (var b = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user))
        {
            await b.CommandAsync("SELECT INBOX");
            await b.CommandAsync("UID STORE 2,4 +FLAGS.SILENT (\\Deleted)");
            await b.CommandAsync("EXPUNGE");
            await b.CommandAsync("UID STORE 5 +FLAGS.SILENT (\\Answered)");
        }

        await using var c = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Matches(@"^t\d+ BAD ", (await c.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {cached}))"))[^1]); // not enabled yet
        await c.CommandAsync("ENABLE QRESYNC");
        var resync = await c.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {cached} 1:5))");
        Assert.True(resync.Contains("* VANISHED (EARLIER) 2,4"), string.Join(" | ", resync));
        Assert.True(resync.Any(l => Regex.IsMatch(l, @"^\* 3 FETCH \(FLAGS \(\\Answered\) UID 5 MODSEQ \(\d+\)\)$")), string.Join(" | ", resync));
        Assert.DoesNotContain(resync, l => Regex.IsMatch(l, @"FETCH \(FLAGS \(\) UID [13] "));
        Has(@"^t\d+ OK \[READ-WRITE\]", resync[^1], resync);

        // UID FETCH ... (CHANGEDSINCE VANISHED) answers the same question inside a selected mailbox.
        var fetch = await c.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {cached} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 2,4", fetch[0]);
        Has(@"^\* 3 FETCH \(UID 5 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)$", fetch[1], fetch);
        Assert.Equal(3, fetch.Count);
        // A wrong UIDVALIDITY gets no resync data: the client must start over.
        var other = await c.CommandAsync($"SELECT INBOX (QRESYNC (1 {cached}))");
        Assert.DoesNotContain(other, l => l.StartsWith("* VANISHED") || l.Contains(" FETCH "));
    }

    [Fact]
    public async Task MailKit_resynchronises_with_qresync_and_stores_conditionally()
    {
        var (raw, user) = await MailboxWithAsync(4);
        await using var _raw = raw;
        using var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.CondStore));
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.QuickResync));
        await client.EnableQuickResyncAsync();

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uidValidity = inbox.UidValidity;
        var cached = inbox.HighestModSeq;
        Assert.True(cached > 0);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        await inbox.CloseAsync();

        await raw.CommandAsync("SELECT INBOX");
        await raw.CommandAsync("UID STORE 1 +FLAGS.SILENT (\\Deleted)");
        await raw.CommandAsync("EXPUNGE");
        await raw.CommandAsync("UID STORE 3 +FLAGS.SILENT (\\Flagged)");

        var vanished = new List<UniqueId>();
        var flagged = new List<UniqueId?>();
        inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds);
        inbox.MessageFlagsChanged += (_, e) => flagged.Add(e.UniqueId);
        await inbox.OpenAsync(FolderAccess.ReadWrite, uidValidity, cached, uids);
        Assert.Equal([new UniqueId(uidValidity, 1)], vanished);
        Assert.Equal([new UniqueId(uidValidity, 3)], flagged);
        Assert.True(inbox.HighestModSeq > cached);

        // FETCH with CHANGEDSINCE: only message 3 changed since the cache.
        var changed = await inbox.FetchAsync(await inbox.SearchAsync(SearchQuery.All), new FetchRequest(MessageSummaryItems.Flags | MessageSummaryItems.ModSeq) { ChangedSince = cached });
        var only = Assert.Single(changed);
        Assert.Equal((3u, MessageFlags.Flagged), (only.UniqueId.Id, only.Flags!.Value));

        // A conditional STORE with a stale mod-sequence leaves message 3 alone and reports it.
        var unmodified = await inbox.StoreAsync([new UniqueId(3), new UniqueId(4)],
            new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen) { UnchangedSince = cached });
        Assert.Equal([new UniqueId(3)], unmodified);
        var seen = await inbox.FetchAsync([new UniqueId(3), new UniqueId(4)], new FetchRequest(MessageSummaryItems.Flags));
        Assert.Equal([MessageFlags.Flagged, MessageFlags.Seen], seen.OrderBy(s => s.UniqueId.Id).Select(s => s.Flags!.Value));
        await client.DisconnectAsync(true);
    }
}
