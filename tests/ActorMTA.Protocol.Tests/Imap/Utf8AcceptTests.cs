using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>UTF8=ACCEPT (RFC 6855): the capability and APPEND's UTF8 data extension.</summary>
public class Utf8AcceptTests
{
    private const string Message = "From: Jürgen <j@example.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n";

    [Fact]
    public void Append_takes_utf8_data_as_a_message_literal()
    {
        var size = Encoding.UTF8.GetByteCount(Message);
        var wire = $"a APPEND \"Entwürfe\" (\\Seen) UTF8 (~{{{size}}}\r\n{Message})\r\n";
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, wire);

        Assert.True(results.OfType<ImapReadResult.NeedLiteral>().Single().IsAppendMessage);
        var append = Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(results[^1]).Command);
        Assert.Equal("Entwürfe", append.Mailbox);
        Assert.Equal(size, append.Message.Size);
        Assert.Equal(["\\Seen"], append.Flags);
    }

    [Fact]
    public void Utf8_data_may_follow_a_plain_message_in_a_multiappend()
    {
        var size = Encoding.UTF8.GetByteCount(Message);
        var wire = $"a APPEND INBOX {{5}}\r\nhello UTF8 (~{{{size}}}\r\n{Message})\r\n";
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, wire);
        Assert.Equal(2, results.OfType<ImapReadResult.NeedLiteral>().Count(n => n.IsAppendMessage));
        Assert.Equal(2, Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(results[^1]).Command).Messages.Count);
    }

    [Theory]
    [InlineData("a APPEND INBOX UTF8 ({5}\r\nhello)\r\n")] // literal8 needs its ~
    [InlineData("a APPEND INBOX UTF8 (~{5}\r\nhello\r\n")] // and the closing parenthesis
    public void Malformed_utf8_data_is_bad(string wire)
    {
        var results = ImapWire.Feed(new ImapCommandReader(ImapWire.Options) { Authenticated = true }, wire);
        Assert.Contains(results, r => r is ImapReadResult.Error { Response.Status: ImapStatus.Bad });
    }

    [Fact]
    public void Utf8_accept_is_advertised() =>
        Assert.Contains("UTF8=ACCEPT", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
}
