using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>MULTIAPPEND (RFC 3502): several messages in one APPEND, each literal known to be a message.</summary>
public class MultiAppendTests
{
    private const string First = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example.COM>\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
    private const string Second = "Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\nFrom: Joe Mooch <mooch@OWATAGU.example.net>\r\nSubject: afternoon meeting 2\r\n\r\n3:30 is fine.\r\n";

    [Fact]
    public void The_rfc_3502_example_is_two_messages_with_their_own_flags_and_dates()
    {
        // RFC 3502 section 6 (shortened bodies): the second message follows the first literal on the next line.
        var wire = $"A003 APPEND saved-messages (\\Seen) {{{First.Length}}}\r\n{First} (\\Seen) \"7-Feb-1994 22:43:04 -0800\" {{{Second.Length}}}\r\n{Second}\r\n";
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, wire);

        // Both literals are announced as APPEND messages (the session spools them).
        Assert.Equal(2, results.OfType<ImapReadResult.NeedLiteral>().Count(n => n.IsAppendMessage));
        var append = Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(results[^1]).Command);
        Assert.Equal("saved-messages", append.Mailbox);
        Assert.Equal(2, append.Messages.Count);
        Assert.Equal(["\\Seen"], append.Messages[0].Flags);
        Assert.Null(append.Messages[0].InternalDate);
        Assert.Equal(First.Length, append.Messages[0].Message.Size);
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 22, 43, 4, TimeSpan.FromHours(-8)), append.Messages[1].InternalDate);
        Assert.Equal(Second.Length, append.Messages[1].Message.Size);
        // The first message's parts stay on the record itself.
        Assert.Equal((append.Flags, append.Message), (append.Messages[0].Flags, append.Messages[0].Message));
    }

    [Fact]
    public void A_single_append_is_one_message()
    {
        var append = Assert.IsType<ImapCommand.Append>(ImapWire.Parse($"a APPEND INBOX {{{First.Length}}}\r\n{First}\r\n"));
        Assert.Single(append.Messages);
    }

    [Theory]
    [InlineData("a APPEND INBOX {5}\r\nhello{5}\r\nworld\r\n")] // no space between the messages
    [InlineData("a APPEND INBOX {5}\r\nhello  {5}\r\nworld\r\n")] // two spaces
    [InlineData("a APPEND INBOX {5}\r\nhello (\\Seen)\r\n")] // flags without a message
    public void A_malformed_second_message_is_bad(string wire)
    {
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, wire);
        Assert.Contains(results, r => r is ImapReadResult.Error { Response.Status: ImapStatus.Bad });
    }

    [Fact]
    public void Multiappend_is_advertised_and_appenduid_names_every_uid()
    {
        Assert.Contains("MULTIAPPEND", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
        Assert.Equal("APPENDUID 38505 3955:3957", ImapResponseCode.AppendUid(38505, [3955, 3956, 3957]).Text);
    }

    [Fact]
    public void Only_append_message_literals_are_offered_for_spooling()
    {
        // Each message literal of a MULTIAPPEND may go to the content store; a literal in a place no message can stand
        // (after something that is not append-message syntax) is read into memory and the command ends BAD.
        var reader = new ImapCommandReader(ImapWire.Options);
        Assert.Equal(new ImapReadResult.NeedLiteral(2, false, true), reader.OnLine("a APPEND INBOX {2}"u8));
        reader.OnLiteralConsumed();
        Assert.Equal(new ImapReadResult.NeedLiteral(3, true, true), reader.OnLine(" (\\Seen) {3+}"u8));
        reader.OnLiteralConsumed();
        Assert.Equal(new ImapReadResult.NeedLiteral(2, false, false), reader.OnLine(" x {2}"u8));
        reader.OnLiteral("hi"u8);
        Assert.Equal(ImapStatus.Bad, Assert.IsType<ImapReadResult.Error>(reader.OnLine(""u8)).Response.Status);
    }
}
