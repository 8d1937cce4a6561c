using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>LIST-EXTENDED (RFC 5258) and LIST-STATUS (RFC 5819): the commands of the RFCs' examples, and CHILDINFO.</summary>
public class ListExtendedTests
{
    private static ImapCommand.List List(string wire) => Assert.IsType<ImapCommand.List>(ImapWire.Parse(wire));

    [Fact]
    public void A_plain_list_has_no_options_and_one_pattern()
    {
        var list = List("A101 LIST \"\" \"%\"");
        Assert.Equal(ListOptions.None, list.Options);
        Assert.Equal(["%"], list.Patterns);
    }

    [Fact]
    public void Rfc5258_selection_and_return_options_are_parsed()
    {
        // RFC 5258 section 5, examples 5 and 8.
        var subscribed = List("A04 LIST (SUBSCRIBED) \"\" \"*\"");
        Assert.True(subscribed.Options.Subscribed);
        Assert.False(subscribed.Options.RecursiveMatch);
        var recursive = List("C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)");
        Assert.True(recursive.Options.Subscribed && recursive.Options.RecursiveMatch);
        Assert.Equal("%", recursive.Pattern);
        Assert.True(List("A05 LIST (REMOTE) \"\" \"%\" RETURN (SUBSCRIBED CHILDREN)").Options is { Subscribed: false, Status: null });
        Assert.True(List("t1 LIST (SPECIAL-USE) \"\" \"*\"").Options.SpecialUse);
    }

    [Fact]
    public void Several_patterns_in_parentheses()
    {
        // RFC 5258 section 5, example 10.
        var list = List("BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")");
        Assert.Equal(["INBOX", "Drafts", "Sent/%"], list.Patterns);
        Assert.Equal("INBOX", list.Pattern);
    }

    [Fact]
    public void Rfc5819_return_status_is_parsed()
    {
        var list = List("A02 LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.Equal([ImapStatusItem.Messages, ImapStatusItem.Unseen], list.Options.Status);
        Assert.True(list.Options.Subscribed);
    }

    [Theory]
    [InlineData("a LIST (RECURSIVEMATCH) \"\" \"%\"")]
    [InlineData("a LIST (BOGUS) \"\" \"%\"")]
    [InlineData("a LIST \"\" \"%\" RETURN (BOGUS)")]
    [InlineData("a LIST \"\" \"%\" BOGUS")]
    [InlineData("a LIST \"\" ()")]
    public void Bad_list_options_are_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Childinfo_is_written_as_extended_data()
    {
        Assert.Equal("* LIST () \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
            ImapWire.Text(new ImapResponse.List([], '/', "Foo", ChildInfo: true)));
        Assert.Equal("* LIST (\\Subscribed \\NonExistent) \"/\" Bar\r\n",
            ImapWire.Text(new ImapResponse.List(["\\Subscribed", "\\NonExistent"], '/', "Bar")));
    }
}
