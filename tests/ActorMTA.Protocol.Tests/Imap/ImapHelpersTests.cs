using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class ImapHelpersTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("Ω", "&A6k-")]
    [InlineData("😀 smile", "&2D3eAA- smile")]
    [InlineData("", "")]
    public void Modified_utf7_round_trip(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.Equal(name, ModifiedUtf7.Decode(encoded));
    }

    [Theory]
    [InlineData("&Jjo!")]
    [InlineData("&U,BTFw")]
    [InlineData("&AGE-")]
    [InlineData("&A6k=-")]
    [InlineData("&2D0-")]
    [InlineData("Grüße")]
    [InlineData("&A6l-")]
    public void Invalid_modified_utf7_is_refused(string encoded) => Assert.False(ModifiedUtf7.TryDecode(encoded, out _));

    [Theory]
    [InlineData("*", "INBOX", true)]
    [InlineData("*", "a/b/c", true)]
    [InlineData("%", "a", true)]
    [InlineData("%", "a/b", false)]
    [InlineData("a/%", "a/b", true)]
    [InlineData("a/%", "a/b/c", false)]
    [InlineData("a/*", "a/b/c", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbb", false)]
    [InlineData("a%c", "ab/c", false)]
    [InlineData("inbox", "INBOX", true)]
    [InlineData("Inbox/%", "INBOX/x", true)]
    [InlineData("Sent", "sent", false)]
    [InlineData("", "", true)]
    [InlineData("%/%", "a/b", true)]
    [InlineData("*%", "a/b", true)]
    public void Wildcard_matching(string pattern, string name, bool matches) => Assert.Equal(matches, MailboxPattern.Matches(pattern, name, '/'));

    [Theory]
    [InlineData("", "*", "*")]
    [InlineData("~smith/Mail/", "foo.*", "~smith/Mail/foo.*")]
    [InlineData("archive/", "%", "archive/%")]
    [InlineData("#news.", "comp.mail.*", "#news.comp.mail.*")]
    [InlineData("~smith/Mail/", "/usr/doc/foo", "/usr/doc/foo")]
    public void Reference_and_pattern_combine(string reference, string pattern, string combined) =>
        Assert.Equal(combined, MailboxPattern.Combine(reference, pattern, '/'));

    [Fact]
    public void Date_formats()
    {
        Assert.Equal("17-Jul-1996 02:44:25 -0700", ImapDateTime.FormatInternalDate(new DateTimeOffset(1996, 7, 17, 2, 44, 25, TimeSpan.FromHours(-7))));
        Assert.Equal("01-Jan-2000 00:00:00 +0000", ImapDateTime.FormatInternalDate(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("1-Feb-1994", ImapDateTime.FormatDate(new DateOnly(1994, 2, 1)));
        Assert.True(ImapDateTime.TryParseDateTime(" 7-Feb-1994 21:52:25 -0800", out var parsed));
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), parsed);
        Assert.True(ImapDateTime.TryParseDateTime("17-jul-1996 02:44:25 +0130", out parsed));
        Assert.Equal(new TimeSpan(1, 30, 0), parsed.Offset);
        Assert.False(ImapDateTime.TryParseDateTime("17-Jul-1996 02:44 -0700", out _));
        Assert.False(ImapDateTime.TryParseDateTime("17-Jul-1996 25:00:00 -0700", out _));
        Assert.False(ImapDateTime.TryParseDateTime("17-Jul-1996 02:44:25 PDT", out _));
        Assert.True(ImapDateTime.TryParseDate("29-Feb-2024", out var leap));
        Assert.Equal(new DateOnly(2024, 2, 29), leap);
        Assert.False(ImapDateTime.TryParseDate("29-Feb-2023", out _));
        Assert.False(ImapDateTime.TryParseDate("1-Feb-94", out _));
    }

    private const string Header =
        "Received: from a\r\n\tby b;\r\n  Mon, 1 Jan 2024\r\n" +
        "From: Alice <a@x>\r\n" +
        "Subject: multi\r\n line\r\n" +
        "to : bob@y\r\n" +
        "X-Empty:\r\n" +
        "\r\n";

    [Fact]
    public void Header_fields_are_selected_with_their_folded_lines_and_the_blank_line()
    {
        var selected = HeaderFieldFilter.Select(Encoding.ASCII.GetBytes(Header), ["SUBJECT", "To", "Date"], exclude: false);
        Assert.Equal("Subject: multi\r\n line\r\nto : bob@y\r\n\r\n", Encoding.ASCII.GetString(selected));
    }

    [Fact]
    public void Header_fields_not_keeps_the_others()
    {
        var selected = HeaderFieldFilter.Select(Encoding.ASCII.GetBytes(Header), ["received", "x-empty"], exclude: true);
        Assert.Equal("From: Alice <a@x>\r\nSubject: multi\r\n line\r\nto : bob@y\r\n\r\n", Encoding.ASCII.GetString(selected));
    }

    [Fact]
    public void Header_without_blank_line_gets_none_and_body_is_not_read()
    {
        Assert.Equal("From: a\n", Encoding.ASCII.GetString(HeaderFieldFilter.Select("From: a\nTo: b\n"u8, ["from"], false)));
        Assert.Equal("From: a\r\n\r\n", Encoding.ASCII.GetString(HeaderFieldFilter.Select("From: a\r\n\r\nFrom: body\r\n"u8, ["from"], false)));
        Assert.Equal("\r\n", Encoding.ASCII.GetString(HeaderFieldFilter.Select("From: a\r\n\r\n"u8, ["cc"], false)));
    }

    [Fact]
    public void Partial_slicing()
    {
        // RFC 3501 section 6.4.5: BODY[]<0.2048> of a 1500-octet message returns 1500 octets.
        Assert.Equal((0L, 1500L), new FetchPartial(0, 2048).Apply(1500));
        Assert.Equal((100L, 50L), new FetchPartial(100, 50).Apply(1500));
        Assert.Equal((1450L, 50L), new FetchPartial(1450, 100).Apply(1500));
        Assert.Equal((1500L, 0L), new FetchPartial(2000, 10).Apply(1500));
        Assert.Equal("cde", Encoding.ASCII.GetString(new FetchPartial(2, 3).Slice("abcdefg"u8.ToArray()).Span));
    }
}
