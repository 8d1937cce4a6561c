using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class SearchParserTests
{
    private static ImapCommand.Search Search(string wire) => Assert.IsType<ImapCommand.Search>(ImapWire.Parse(wire));

    private static readonly SearchKey Unseen = new SearchKey.Flag(@"\Seen", false);

    [Fact]
    public void Rfc_example_keys_are_anded()
    {
        var search = Search("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
        Assert.Equal(new SearchKey.And([
            new SearchKey.Flag(@"\Flagged", true),
            new SearchKey.InternalDate(DateComparison.Since, new DateOnly(1994, 2, 1)),
            new SearchKey.Not(new SearchKey.Header("From", "Smith")),
        ]), search.Criteria);
        Assert.False(search.ByUid);
        Assert.Null(search.Charset);
    }

    [Fact]
    public void Rfc_example_text_and_charset()
    {
        Assert.Equal(new SearchKey.Text("string not in mailbox"), Search("A283 SEARCH TEXT \"string not in mailbox\"").Criteria);
        var utf8 = Search("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX");
        Assert.Equal("UTF-8", utf8.Charset);
        Assert.Equal(new SearchKey.Text("XXXXXX"), utf8.Criteria);
    }

    [Fact]
    public void Unsupported_charset_is_no_with_badcharset()
    {
        var error = ImapWire.Reject("a SEARCH CHARSET KOI8-R TEXT x");
        Assert.Equal("a NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n", ImapWire.Text(error.Response));
    }

    [Fact]
    public void Or_not_and_nested_parentheses()
    {
        var search = Search("a SEARCH OR (FROM alice SUBJECT \"x y\") NOT (OR SEEN 1:3) UNSEEN");
        Assert.Equal(new SearchKey.And([
            new SearchKey.Or(
                new SearchKey.And([new SearchKey.Header("From", "alice"), new SearchKey.Header("Subject", "x y")]),
                new SearchKey.Not(new SearchKey.Or(new SearchKey.Flag(@"\Seen", true), new SearchKey.SequenceNumbers(SequenceSet.Parse("1:3"))))),
            Unseen,
        ]), search.Criteria);
    }

    [Fact]
    public void Uid_search_with_sequence_and_uid_sets()
    {
        // RFC 3501 section 6.4.8: UID SEARCH 1:100 UID 443:557
        var search = Search("a UID SEARCH 1:100 UID 443:557");
        Assert.True(search.ByUid);
        Assert.Equal(new SearchKey.And([
            new SearchKey.SequenceNumbers(SequenceSet.Parse("1:100")),
            new SearchKey.Uids(SequenceSet.Parse("443:557")),
        ]), search.Criteria);
        Assert.Equal(new SearchKey.Uids(SequenceSet.Parse("1:*")), Search("a UID SEARCH UID 1:*").Criteria);
    }

    [Theory]
    [InlineData("ALL")]
    [InlineData("ANSWERED")]
    [InlineData("BCC x")]
    [InlineData("BEFORE 1-Jan-2000")]
    [InlineData("BODY x")]
    [InlineData("CC x")]
    [InlineData("DELETED")]
    [InlineData("DRAFT")]
    [InlineData("FLAGGED")]
    [InlineData("FROM x")]
    [InlineData("HEADER X-Spam \"\"")]
    [InlineData("KEYWORD $Forwarded")]
    [InlineData("LARGER 1000")]
    [InlineData("NEW")]
    [InlineData("NOT SEEN")]
    [InlineData("OLD")]
    [InlineData("ON \"5-Mar-2021\"")]
    [InlineData("OR SEEN DRAFT")]
    [InlineData("RECENT")]
    [InlineData("SEEN")]
    [InlineData("SENTBEFORE 01-Jan-2000")]
    [InlineData("SENTON 1-jan-2000")]
    [InlineData("SENTSINCE 1-JAN-2000")]
    [InlineData("SINCE 1-Jan-2000")]
    [InlineData("SMALLER 10")]
    [InlineData("SUBJECT x")]
    [InlineData("TEXT x")]
    [InlineData("TO x")]
    [InlineData("UID 1,3")]
    [InlineData("UNANSWERED")]
    [InlineData("UNDELETED")]
    [InlineData("UNDRAFT")]
    [InlineData("UNFLAGGED")]
    [InlineData("UNKEYWORD $Junk")]
    [InlineData("UNSEEN")]
    [InlineData("2:4")]
    [InlineData("*")]
    [InlineData("(SEEN)")]
    public void Every_search_key_of_rfc_3501_parses(string key) => Search("a SEARCH " + key);

    [Fact]
    public void Key_meanings()
    {
        Assert.Equal(new SearchKey.And([new SearchKey.Flag(@"\Recent", true), Unseen]), Search("a SEARCH NEW").Criteria);
        Assert.Equal(new SearchKey.Flag(@"\Recent", false), Search("a SEARCH OLD").Criteria);
        Assert.Equal(new SearchKey.Flag("$Forwarded", true), Search("a SEARCH KEYWORD $Forwarded").Criteria);
        Assert.Equal(new SearchKey.Size(SizeComparison.Larger, 1000), Search("a SEARCH LARGER 1000").Criteria);
        Assert.Equal(new SearchKey.Header("X-Spam", ""), Search("a SEARCH HEADER X-Spam \"\"").Criteria);
        Assert.Equal(new SearchKey.SentDate(DateComparison.On, new DateOnly(2000, 1, 1)), Search("a SEARCH SENTON 1-jan-2000").Criteria);
        Assert.Equal(SearchKey.All.Instance, Search("a SEARCH all").Criteria);
    }

    [Theory]
    [InlineData("a SEARCH")]
    [InlineData("a SEARCH FROB")]
    [InlineData("a SEARCH FROM")]
    [InlineData("a SEARCH OR SEEN")]
    [InlineData("a SEARCH NOT")]
    [InlineData("a SEARCH (SEEN")]
    [InlineData("a SEARCH SEEN)")]
    [InlineData("a SEARCH ()")]
    [InlineData("a SEARCH SINCE 32-Jan-2000")]
    [InlineData("a SEARCH SINCE 1-Foo-2000")]
    [InlineData("a SEARCH SINCE 2000-01-01")]
    [InlineData("a SEARCH LARGER x")]
    [InlineData("a SEARCH UID")]
    [InlineData("a SEARCH SEEN  UNSEEN")]
    public void Malformed_search_is_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Deep_nesting_is_refused_not_overflowing_the_stack()
    {
        var wire = "a SEARCH " + string.Concat(Enumerable.Repeat("NOT ", 500)) + "SEEN";
        Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);
    }
}
