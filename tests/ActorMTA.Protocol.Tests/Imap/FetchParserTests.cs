using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class FetchParserTests
{
    private static ImapCommand.Fetch Fetch(string wire) => Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse(wire));

    private static FetchAttribute.Section Section(string item) =>
        Assert.IsType<FetchAttribute.Section>(Assert.Single(Fetch("a FETCH 1 " + item).Attributes));

    [Fact]
    public void Macros_expand()
    {
        Assert.Equal([FetchAttribute.Flags.Instance, FetchAttribute.InternalDate.Instance, FetchAttribute.Rfc822Size.Instance, FetchAttribute.Envelope.Instance, FetchAttribute.Body.Instance],
            Fetch("a003 fetch 12 full").Attributes);
        Assert.Equal(4, Fetch("a FETCH 1 ALL").Attributes.Count);
        Assert.Equal(3, Fetch("a FETCH 1 fast").Attributes.Count);
        ImapWire.Reject("a FETCH 1 (ALL)");
        ImapWire.Reject("a FETCH 1 ALL FLAGS");
    }

    [Fact]
    public void Rfc_examples()
    {
        var fetch = Fetch("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])");
        Assert.Equal("2:4", fetch.Set.ToString());
        Assert.Equal(FetchAttribute.Flags.Instance, fetch.Attributes[0]);
        var section = Assert.IsType<FetchAttribute.Section>(fetch.Attributes[1]);
        Assert.Equal(new BodySection([], BodySectionText.HeaderFields, ["DATE", "FROM"]), section.Spec);
        Assert.False(section.Peek);
        Assert.Equal("BODY[HEADER.FIELDS (DATE FROM)]", section.ResponseName);

        Assert.Equal(new BodySection([], BodySectionText.Header, []), Section("body[header]").Spec);

        var uid = Fetch("A999 UID FETCH 4827313:4828442 FLAGS");
        Assert.True(uid.ByUid);
        Assert.Equal([FetchAttribute.Flags.Instance], uid.Attributes);
    }

    [Fact]
    public void Every_simple_attribute()
    {
        var fetch = Fetch("a FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT UID BODY BODYSTRUCTURE)");
        Assert.Equal<FetchAttribute>([
            FetchAttribute.Envelope.Instance, FetchAttribute.Flags.Instance, FetchAttribute.InternalDate.Instance,
            FetchAttribute.Rfc822.Instance, FetchAttribute.Rfc822Header.Instance, FetchAttribute.Rfc822Size.Instance,
            FetchAttribute.Rfc822Text.Instance, FetchAttribute.Uid.Instance, FetchAttribute.Body.Instance,
            FetchAttribute.BodyStructure.Instance,
        ], fetch.Attributes);
        Assert.DoesNotContain(Fetch("a FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE INTERNALDATE)").Attributes, a => a.NeedsContent);
    }

    [Theory]
    [InlineData("BODY[]", "", false)]
    [InlineData("BODY.PEEK[]", "", true)]
    [InlineData("BODY[TEXT]", "TEXT", false)]
    [InlineData("BODY[1]", "1", false)]
    [InlineData("BODY[1.2.3]", "1.2.3", false)]
    [InlineData("BODY[1.2.MIME]", "1.2.MIME", false)]
    [InlineData("BODY.PEEK[3.HEADER]", "3.HEADER", true)]
    [InlineData("BODY[4.2.TEXT]", "4.2.TEXT", false)]
    [InlineData("body.peek[header.fields.not (Received X-Spam)]", "HEADER.FIELDS.NOT (Received X-Spam)", true)]
    [InlineData("BODY[3.HEADER.FIELDS (\"Subject\" to)]", "3.HEADER.FIELDS (Subject to)", false)]
    public void Section_specs(string item, string spec, bool peek)
    {
        var section = Section(item);
        Assert.Equal(spec, section.Spec.ToString());
        Assert.Equal(peek, section.Peek);
        Assert.Equal(!peek, section.SetsSeen);
        Assert.Null(section.Partial);
    }

    [Fact]
    public void Partials()
    {
        var section = Section("BODY.PEEK[]<0.2048>");
        Assert.Equal(new FetchPartial(0, 2048), section.Partial);
        Assert.Equal("BODY[]<0>", section.ResponseName);
        Assert.Equal(new FetchPartial(100, 5), Section("BODY[1.TEXT]<100.5>").Partial);
        Assert.Equal("BODY[HEADER.FIELDS (FROM)]<10>", Section("BODY[HEADER.FIELDS (FROM)]<10.20>").ResponseName);
    }

    [Theory]
    [InlineData("a FETCH 1 BODY[")]
    [InlineData("a FETCH 1 BODY[FOO]")]
    [InlineData("a FETCH 1 BODY[MIME]")]
    [InlineData("a FETCH 1 BODY[0]")]
    [InlineData("a FETCH 1 BODY[1.]")]
    [InlineData("a FETCH 1 BODY[01]")]
    [InlineData("a FETCH 1 BODY[1..2]")]
    [InlineData("a FETCH 1 BODY[HEADER.FIELDS]")]
    [InlineData("a FETCH 1 BODY[HEADER.FIELDS ()]")]
    [InlineData("a FETCH 1 BODY[]<1>")]
    [InlineData("a FETCH 1 BODY[]<1.0>")]
    [InlineData("a FETCH 1 BODY[]<.5>")]
    [InlineData("a FETCH 1 BODY.PEEK")]
    [InlineData("a FETCH 1 (FLAGS")]
    [InlineData("a FETCH 1 ()")]
    [InlineData("a FETCH 1 FROB")]
    [InlineData("a FETCH 1")]
    [InlineData("a FETCH FLAGS")]
    [InlineData("a FETCH 1 (FLAGS  UID)")]
    public void Malformed_fetch_is_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);
}
