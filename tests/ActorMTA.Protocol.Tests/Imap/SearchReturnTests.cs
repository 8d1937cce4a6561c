using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>ESEARCH (RFC 4731) and SEARCHRES (RFC 5182): parsing of RETURN and $, the ESEARCH response, what SAVE keeps.</summary>
public class SearchReturnTests
{
    private static ImapCommand.Search Search(string wire) => Assert.IsType<ImapCommand.Search>(ImapWire.Parse(wire));

    private static string Format(ImapResponse response) => ImapWire.Text(response);

    [Fact]
    public void Plain_search_has_no_return_options()
    {
        Assert.Null(Search("a SEARCH ALL").Return);
    }

    [Fact]
    public void Rfc4731_return_options_are_parsed()
    {
        var search = Search("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
        Assert.Equal(SearchReturn.Min | SearchReturn.Count, search.Return);
        Assert.Equal(3, Assert.IsType<SearchKey.And>(search.Criteria).Keys.Count);
        // RETURN () is ALL.
        Assert.Equal(SearchReturn.All, Search("A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"").Return);
        var uid = Search("A285 UID SEARCH RETURN (MIN MAX) 1:5000");
        Assert.True(uid.ByUid);
        Assert.Equal(SearchReturn.Min | SearchReturn.Max, uid.Return);
        Assert.Equal(new SearchKey.SequenceNumbers(SequenceSet.Parse("1:5000")), uid.Criteria);
    }

    [Fact]
    public void Return_comes_before_charset()
    {
        var search = Search("a SEARCH RETURN (ALL SAVE) CHARSET UTF-8 SUBJECT x");
        Assert.Equal(SearchReturn.All | SearchReturn.Save, search.Return);
        Assert.Equal("UTF-8", search.Charset);
        Assert.Equal(new SearchKey.Header("Subject", "x"), search.Criteria);
    }

    [Fact]
    public void Unknown_return_option_is_bad()
    {
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SEARCH RETURN (PARTIAL) ALL").Response));
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SEARCH RETURN MIN ALL").Response));
    }

    [Fact]
    public void Rfc4731_esearch_responses()
    {
        Assert.Equal("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
            Format(SearchResults.Response("A282", false, SearchReturn.Min | SearchReturn.Count, [2, 10, 11])!));
        Assert.Equal("* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n",
            Format(SearchResults.Response("A283", false, SearchReturn.All, [2, 10, 11])!));
        Assert.Equal("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n",
            Format(SearchResults.Response("A285", true, SearchReturn.Min | SearchReturn.Max, [7, 100, 3800])!));
        Assert.Equal("* ESEARCH (TAG \"a\") MIN 1 MAX 23 COUNT 19 ALL 1:17,21,23\r\n",
            Format(SearchResults.Response("a", false, SearchReturn.Min | SearchReturn.Max | SearchReturn.Count | SearchReturn.All,
                [.. Enumerable.Range(1, 17).Select(n => (uint)n), 21, 23])!));
    }

    [Fact]
    public void Nothing_matched_leaves_out_min_max_all_but_not_count()
    {
        Assert.Equal("* ESEARCH (TAG \"A288\") UID\r\n",
            Format(SearchResults.Response("A288", true, SearchReturn.Min | SearchReturn.Max | SearchReturn.All, [])!));
        Assert.Equal("* ESEARCH (TAG \"b\") COUNT 0\r\n", Format(SearchResults.Response("b", false, SearchReturn.Count, [])!));
    }

    [Fact]
    public void Save_alone_answers_no_esearch()
    {
        // RFC 5182 section 2.1: "A282 SEARCH RETURN (SAVE) ..." is answered with the tagged OK only.
        Assert.Null(SearchResults.Response("A282", false, SearchReturn.Save, [2, 10]));
        Assert.NotNull(SearchResults.Response("A282", false, SearchReturn.Save | SearchReturn.Count, [2, 10]));
    }

    [Fact]
    public void Save_keeps_min_and_max_only_when_they_are_the_only_other_options()
    {
        uint[] matches = [2, 5, 9];
        Assert.Equal(matches, SearchResults.Saved(SearchReturn.Save, matches));
        Assert.Equal([2u], SearchResults.Saved(SearchReturn.Save | SearchReturn.Min, matches));
        Assert.Equal([9u], SearchResults.Saved(SearchReturn.Save | SearchReturn.Max, matches));
        Assert.Equal([2u, 9u], SearchResults.Saved(SearchReturn.Save | SearchReturn.Min | SearchReturn.Max, matches));
        Assert.Equal(matches, SearchResults.Saved(SearchReturn.Save | SearchReturn.Min | SearchReturn.Count, matches));
        Assert.Equal([4u], SearchResults.Saved(SearchReturn.Save | SearchReturn.Min | SearchReturn.Max, [4]));
        Assert.Empty(SearchResults.Saved(SearchReturn.Save | SearchReturn.Min, []));
    }

    [Fact]
    public void Dollar_is_a_sequence_set_in_rfc5182_commands()
    {
        // RFC 5182 section 4 examples.
        var fetch = Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.SIZE)"));
        Assert.True(fetch.Set.IsSavedResult);
        Assert.Equal("$", fetch.Set.ToString());
        Assert.True(Assert.IsType<ImapCommand.Copy>(ImapWire.Parse("A302 COPY $ \"Other Messages\"")).Set.IsSavedResult);
        Assert.True(Assert.IsType<ImapCommand.Store>(ImapWire.Parse("a UID STORE $ +FLAGS (\\Seen)")).Set.IsSavedResult);
        Assert.True(Assert.IsType<ImapCommand.Move>(ImapWire.Parse("a UID MOVE $ Trash")).Set.IsSavedResult);
        Assert.Equal(new SearchKey.And([new SearchKey.Flag(@"\Deleted", false), new SearchKey.SequenceNumbers(SequenceSet.SavedResult)]),
            Search("A284 SEARCH UNDELETED $").Criteria);
        Assert.Equal(new SearchKey.Uids(SequenceSet.SavedResult), Search("a UID SEARCH UID $").Criteria);
        // $ stands alone: it is not combined with numbers.
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a FETCH 1,$ FLAGS").Response));
        Assert.False(SequenceSet.SavedResult.Contains(1, 10));
    }

    [Fact]
    public void Capabilities_advertise_esearch_and_searchres()
    {
        Assert.Contains("ESEARCH", ImapCapabilities.Extensions);
        Assert.Contains("SEARCHRES", ImapCapabilities.Extensions);
    }
}
