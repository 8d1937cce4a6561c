using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>CONDSTORE and QRESYNC (RFC 7162): the commands of the RFC's examples parsed, the responses formatted as shown there.</summary>
public class CondStoreCommandTests
{
    [Fact]
    public void Select_condstore_and_qresync_parameters_are_parsed()
    {
        Assert.Equal(SelectParameters.None, Assert.IsType<ImapCommand.Select>(ImapWire.Parse("a SELECT INBOX")).Parameters);
        Assert.True(Assert.IsType<ImapCommand.Select>(ImapWire.Parse("a SELECT INBOX (CONDSTORE)")).Parameters.CondStore);
        Assert.True(Assert.IsType<ImapCommand.Examine>(ImapWire.Parse("a EXAMINE INBOX (condstore)")).Parameters.CondStore);

        // RFC 7162 section 3.2.5.1 examples.
        var plain = Assert.IsType<ImapCommand.Select>(ImapWire.Parse("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))")).Parameters.Qresync!;
        Assert.Equal((67890007L, 20050715194045000L, "41,43:211,214:541"), (plain.UidValidity, plain.ModSeq, plain.KnownUids!.ToString()));
        Assert.Null(plain.KnownSequences);

        var matched = Assert.IsType<ImapCommand.Select>(ImapWire.Parse(
            "B02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:15,17,19 4:18,20,27)))")).Parameters.Qresync!;
        Assert.Equal(("41:211,214:541", "1:15,17,19", "4:18,20,27"), (matched.KnownUids!.ToString(), matched.KnownSequences!.ToString(), matched.KnownSequenceUids!.ToString()));

        var bare = Assert.IsType<ImapCommand.Select>(ImapWire.Parse("a SELECT INBOX (QRESYNC (1 2))")).Parameters.Qresync!;
        Assert.Equal((1L, 2L, (SequenceSet?)null), (bare.UidValidity, bare.ModSeq, bare.KnownUids));
    }

    [Theory]
    [InlineData("a SELECT INBOX (QRESYNC (0 5))")] // UIDVALIDITY is non-zero
    [InlineData("a SELECT INBOX (QRESYNC (5 0))")] // mod-sequence-value is non-zero
    [InlineData("a SELECT INBOX (QRESYNC (5))")]
    [InlineData("a SELECT INBOX (QRESYNC (5 6 1:*))")] // known-uids has no *
    [InlineData("a SELECT INBOX (BOGUS)")]
    [InlineData("a SELECT INBOX ()")]
    [InlineData("a FETCH 1 FLAGS (CHANGEDSINCE)")]
    [InlineData("a FETCH 1 FLAGS (CHANGEDSINCE 5 VANISHED)")] // VANISHED is for UID FETCH only
    [InlineData("a UID FETCH 1 FLAGS (VANISHED)")] // and needs CHANGEDSINCE
    [InlineData("a STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)")]
    [InlineData("a STORE 1 (SINCE 5) +FLAGS (\\Seen)")]
    [InlineData("a SEARCH MODSEQ \"/flags/\\\\draft\" bogus 5")]
    public void Malformed_condstore_syntax_is_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Fetch_modifiers_and_the_modseq_item_are_parsed()
    {
        // RFC 7162 section 3.1.4.1 and 3.2.6 examples.
        var changed = Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)"));
        Assert.Equal((true, 12345L, false), (changed.ByUid, changed.ChangedSince, changed.Vanished));
        var vanished = Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"));
        Assert.True(vanished.Vanished);
        var modSeq = Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("a FETCH 1:3 (FLAGS MODSEQ)"));
        Assert.Equal([FetchAttribute.Flags.Instance, FetchAttribute.ModSeq.Instance], modSeq.Attributes);
        Assert.Null(modSeq.ChangedSince);
    }

    [Fact]
    public void Store_unchangedsince_is_parsed()
    {
        // RFC 7162 section 3.1.3 example 7.
        var store = Assert.IsType<ImapCommand.Store>(ImapWire.Parse("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal((320162338L, StoreMode.Add, true, "\\Deleted"), (store.UnchangedSince, store.Mode, store.Silent, store.Flags.Single()));
        Assert.Equal(0L, Assert.IsType<ImapCommand.Store>(ImapWire.Parse("a UID STORE 1 (UNCHANGEDSINCE 0) FLAGS (x)")).UnchangedSince);
        Assert.Null(Assert.IsType<ImapCommand.Store>(ImapWire.Parse("a STORE 1 FLAGS (x)")).UnchangedSince);
    }

    [Fact]
    public void Search_modseq_and_status_highestmodseq_are_parsed()
    {
        // RFC 7162 section 3.1.5 examples.
        var search = Assert.IsType<ImapCommand.Search>(ImapWire.Parse("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338"));
        Assert.Equal(new SearchKey.ModSeq(620162338), search.Criteria);
        var and = Assert.IsType<SearchKey.And>(Assert.IsType<ImapCommand.Search>(ImapWire.Parse("t SEARCH OR NOT MODSEQ 720162338 LARGER 50000 UNSEEN")).Criteria);
        Assert.Equal(new SearchKey.ModSeq(720162338), Assert.IsType<SearchKey.Not>(Assert.IsType<SearchKey.Or>(and.Keys[0]).Left).Key);

        var status = Assert.IsType<ImapCommand.Status>(ImapWire.Parse("C01 STATUS blurdybloop (MESSAGES UIDNEXT HIGHESTMODSEQ)"));
        Assert.Equal([ImapStatusItem.Messages, ImapStatusItem.UidNext, ImapStatusItem.HighestModSeq], status.Items);
    }

    [Fact]
    public void Responses_are_formatted_as_in_the_rfc()
    {
        Assert.Equal("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n",
            ImapWire.Text(new ImapResponse.StatusResponse(null, ImapStatus.Ok, ImapResponseCode.HighestModSeq(715194045007), "Highest")));
        Assert.Equal("d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n",
            ImapWire.Text(new ImapResponse.StatusResponse("d105", ImapStatus.Ok, ImapResponseCode.Modified(SequenceSet.Parse("7,9")), "Conditional STORE failed")));
        Assert.Equal("* 4 FETCH (UID 8 MODSEQ (12121231000))\r\n",
            ImapWire.Text(new ImapResponse.Fetch(4, [new ImapFetchItem.Uid(8), new ImapFetchItem.ModSeq(12121231000)])));
        Assert.Equal("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n",
            ImapWire.Text(new ImapResponse.Vanished(true, SequenceSet.Parse("41,43:116,118,120:211,214:540"))));
        Assert.Equal("* VANISHED 405,407,410,425\r\n", ImapWire.Text(new ImapResponse.Vanished(false, SequenceSet.Parse("405,407,410,425"))));
        Assert.Equal("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n",
            ImapWire.Text(new ImapResponse.Search([2, 5, 6, 7, 11, 12, 18, 19, 20, 23]) { ModSeq = 917162500 }));
        Assert.Equal("* ESEARCH (TAG \"a\") ALL 1:3,5 MODSEQ 1236\r\n",
            ImapWire.Text(new ImapResponse.ESearch("a", false, null, null, null, SequenceSet.Parse("1:3,5")) { ModSeq = 1236 }));
        Assert.Equal("* STATUS blurdybloop (MESSAGES 231 HIGHESTMODSEQ 7011231777)\r\n",
            ImapWire.Text(new ImapResponse.MailboxStatus("blurdybloop", [new(ImapStatusItem.Messages, 231), new(ImapStatusItem.HighestModSeq, 7011231777)])));
    }

    [Fact]
    public void Condstore_and_qresync_are_advertised()
    {
        Assert.Contains("CONDSTORE", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
        Assert.Contains("QRESYNC", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
    }
}
