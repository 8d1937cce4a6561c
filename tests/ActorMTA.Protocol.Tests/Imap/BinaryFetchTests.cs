using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>BINARY (RFC 3516): the fetch items, literal8 answers and APPEND of a literal8.</summary>
public class BinaryFetchTests
{
    [Fact]
    public void Binary_fetch_items_are_parsed()
    {
        var fetch = Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("a FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[] BINARY.SIZE[2])"));
        var first = Assert.IsType<FetchAttribute.Binary>(fetch.Attributes[0]);
        Assert.Equal([1, 2], first.Part);
        Assert.Equal((false, (FetchPartial?)new FetchPartial(0, 100), "BINARY[1.2]"), (first.Peek, first.Partial, first.ResponseName));
        Assert.True(first.SetsSeen);
        var peek = Assert.IsType<FetchAttribute.Binary>(fetch.Attributes[1]);
        Assert.Equal((0, true, "BINARY[]"), (peek.Part.Count, peek.Peek, peek.ResponseName));
        Assert.False(peek.SetsSeen);
        Assert.Equal("BINARY.SIZE[2]", Assert.IsType<FetchAttribute.BinarySize>(fetch.Attributes[2]).ResponseName);
    }

    [Theory]
    [InlineData("a FETCH 1 BINARY[1.HEADER]")]
    [InlineData("a FETCH 1 BINARY[TEXT]")]
    [InlineData("a FETCH 1 BINARY.SIZE[1]<0.5>")]
    [InlineData("a FETCH 1 BINARY[1]<0.0>")]
    public void Sections_other_than_part_numbers_are_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Decoded_content_with_a_nul_goes_as_a_literal8()
    {
        var response = new ImapResponse.Fetch(1, [
            new ImapFetchItem.Content("BINARY[2]", null, new ImapContent.InMemory(new byte[] { 0, 1, 2 })) { Literal8 = true },
            new ImapFetchItem.BinarySize("BINARY.SIZE[2]", 3),
            new ImapFetchItem.Content("BINARY[3]", 5, new ImapContent.InMemory("abc"u8.ToArray())),
        ]);
        Assert.Equal("* 1 FETCH (BINARY[2] ~{3}\r\n\0\u0001\u0002 BINARY.SIZE[2] 3 BINARY[3]<5> {3}\r\nabc)\r\n", ImapWire.Text(response));
    }

    [Fact]
    public void Append_takes_a_literal8_message_and_binary_is_advertised()
    {
        var message = "Subject: x\r\n\r\nhi\r\n";
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, $"a APPEND INBOX ~{{{message.Length}}}\r\n{message}\r\n");
        Assert.True(results.OfType<ImapReadResult.NeedLiteral>().Single().IsAppendMessage);
        Assert.Equal(message.Length, Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(results[^1]).Command).Message.Size);
        Assert.Contains("BINARY", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
    }
}
