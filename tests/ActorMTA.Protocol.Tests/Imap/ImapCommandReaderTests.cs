using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class ImapCommandReaderTests
{
    private static ImapCommandReader NewReader(long maxLiteral = 1000, long maxCommand = 4000) =>
        new(ImapWire.Options with { MaxLiteralSize = maxLiteral, MaxCommandSize = maxCommand });

    [Fact]
    public void Synchronizing_literals_are_requested_and_the_command_continues_after_them()
    {
        // RFC 3501 section 7.5 example.
        var reader = NewReader();
        var first = reader.OnLine("A001 LOGIN {11}"u8);
        Assert.Equal(new ImapReadResult.NeedLiteral(11, false, false), first);
        Assert.Same(ImapReadResult.NeedLine.Instance, reader.OnLiteral("FRED FOOBAR"u8));
        Assert.Equal(new ImapReadResult.NeedLiteral(7, false, false), reader.OnLine(" {7}"u8));
        reader.OnLiteral("fat man"u8);
        var done = Assert.IsType<ImapReadResult.Complete>(reader.OnLine(""u8));
        var login = Assert.IsType<ImapCommand.Login>(done.Command);
        Assert.Equal(("A001", "FRED FOOBAR", "fat man"), (login.Tag, login.UserName, login.Password));
        Assert.False(reader.IsInsideCommand);
    }

    [Fact]
    public void Ready_for_literal_continuation_is_formatted_as_in_the_rfc()
    {
        Assert.Equal("+ Ready for literal data\r\n", ImapWire.Text(ImapResponse.ReadyForLiteral));
    }

    [Fact]
    public void Literal_plus_is_reported_as_non_synchronizing()
    {
        var reader = NewReader();
        Assert.Equal(new ImapReadResult.NeedLiteral(3, true, false), reader.OnLine("a CREATE {3+}"u8));
        reader.OnLiteral("a b"u8);
        var create = Assert.IsType<ImapCommand.Create>(Assert.IsType<ImapReadResult.Complete>(reader.OnLine(""u8)).Command);
        Assert.Equal("a b", create.Mailbox);
    }

    [Fact]
    public void Literal_may_hold_any_bytes_including_crlf_and_8bit()
    {
        var bytes = "x\r\n\u00e9"u8.ToArray();
        var reader = NewReader();
        reader.OnLine(Encoding.ASCII.GetBytes($"t SEARCH CHARSET UTF-8 TEXT {{{bytes.Length}}}"));
        reader.OnLiteral(bytes);
        var search = Assert.IsType<ImapCommand.Search>(Assert.IsType<ImapReadResult.Complete>(reader.OnLine(""u8)).Command);
        Assert.Equal(new SearchKey.Text("x\r\né"), search.Criteria);
    }

    [Fact]
    public void Append_message_literal_is_marked_and_may_be_spooled_by_the_adapter()
    {
        var reader = NewReader();
        var need = reader.OnLine("A003 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {310}"u8);
        Assert.Equal(new ImapReadResult.NeedLiteral(310, false, true), need);
        reader.OnLiteralConsumed();
        var append = Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(reader.OnLine(""u8)).Command);
        Assert.Equal("saved-messages", append.Mailbox);
        Assert.Equal([@"\Seen"], append.Flags);
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), append.InternalDate);
        Assert.Equal(new ImapAppendMessage(310, null), append.Message);
    }

    [Fact]
    public void Append_mailbox_literal_is_not_the_message()
    {
        var reader = NewReader();
        Assert.Equal(new ImapReadResult.NeedLiteral(5, false, false), reader.OnLine("a APPEND {5}"u8));
        Assert.Throws<InvalidOperationException>(() => reader.OnLiteralConsumed());
        reader.OnLiteral("Draft"u8);
        Assert.Equal(new ImapReadResult.NeedLiteral(4, true, true), reader.OnLine(" {4+}"u8));
        reader.OnLiteral("Hi\r\n"u8);
        var append = Assert.IsType<ImapCommand.Append>(Assert.IsType<ImapReadResult.Complete>(reader.OnLine(""u8)).Command);
        Assert.Equal("Draft", append.Mailbox);
        Assert.Empty(append.Flags);
        Assert.Null(append.InternalDate);
        Assert.Equal("Hi\r\n"u8.ToArray(), append.Message.Content!.Value.ToArray());
    }

    [Fact]
    public void Synchronizing_append_over_the_limit_is_refused_before_any_byte_is_requested()
    {
        var reader = NewReader(maxLiteral: 100);
        var result = reader.OnLine("A1 APPEND INBOX {101}"u8);
        var error = Assert.IsType<ImapReadResult.Error>(result);
        Assert.Equal("A1 NO [TOOBIG] Message too large\r\n", ImapWire.Text(error.Response));
        Assert.False(reader.IsInsideCommand);
        // The client did not send the bytes; the next line is a new command.
        Assert.IsType<ImapReadResult.Complete>(reader.OnLine("A2 NOOP"u8));
    }

    [Fact]
    public void Non_synchronizing_append_over_the_limit_is_discarded_then_rejected()
    {
        var reader = NewReader(maxLiteral: 100);
        Assert.Equal(new ImapReadResult.DiscardLiteral(5000), reader.OnLine("A1 APPEND INBOX {5000+}"u8));
        Assert.Throws<InvalidOperationException>(() => reader.OnLiteral(new byte[5000]));
        Assert.Same(ImapReadResult.NeedLine.Instance, reader.OnLiteralDiscarded());
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLine(""u8));
        Assert.Equal("A1 NO [TOOBIG] Message too large\r\n", ImapWire.Text(error.Response));
        Assert.IsType<ImapReadResult.Complete>(reader.OnLine("A2 NOOP"u8));
    }

    [Fact]
    public void Further_literal_plus_of_a_rejected_command_are_discarded_too()
    {
        var reader = NewReader(maxCommand: 100);
        Assert.Equal(new ImapReadResult.DiscardLiteral(500), reader.OnLine("a LOGIN {500+}"u8));
        reader.OnLiteralDiscarded();
        Assert.Equal(new ImapReadResult.DiscardLiteral(3), reader.OnLine(" {3+}"u8));
        reader.OnLiteralDiscarded();
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLine(""u8));
        Assert.Equal("a BAD Literal too large\r\n", ImapWire.Text(error.Response));
    }

    [Fact]
    public void Other_literal_larger_than_the_command_limit_is_refused()
    {
        var error = Assert.IsType<ImapReadResult.Error>(NewReader(maxCommand: 100).OnLine("a LOGIN {200}"u8));
        Assert.Equal("a BAD Literal too large\r\n", ImapWire.Text(error.Response));
    }

    [Fact]
    public void Unknown_command_with_a_literal_is_refused_without_asking_for_it()
    {
        // RFC 3501 section 7.5: C: A044 BLURDYBLOOP {102856}  S: A044 BAD No such command ...
        var error = Assert.IsType<ImapReadResult.Error>(NewReader().OnLine("A044 BLURDYBLOOP {102856}"u8));
        Assert.Equal("A044", error.Tag);
        Assert.Equal(ImapStatus.Bad, error.Response.Status);
    }

    [Fact]
    public void Malformed_literal_is_bad_and_the_session_continues()
    {
        var reader = NewReader();
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLine("a LOGIN {12x}"u8));
        Assert.Equal("a BAD Invalid literal size\r\n", ImapWire.Text(error.Response));
        Assert.IsType<ImapReadResult.Complete>(reader.OnLine("b NOOP"u8));
    }

    [Fact]
    public void Brace_inside_a_quoted_string_is_not_a_literal()
    {
        // A brace inside a quoted string is not a literal marker.
        var results = ImapWire.Feed(NewReader(), "a SELECT \"x{3}\"\r\n");
        var select = Assert.IsType<ImapCommand.Select>(Assert.IsType<ImapReadResult.Complete>(Assert.Single(results)).Command);
        Assert.Equal("x{3}", select.Mailbox);
    }

    [Fact]
    public void Empty_line_is_an_untagged_bad()
    {
        var error = Assert.IsType<ImapReadResult.Error>(NewReader().OnLine(""u8));
        Assert.Null(error.Tag);
        Assert.Equal("* BAD Empty command line\r\n", ImapWire.Text(error.Response));
    }

    [Fact]
    public void Line_too_long_is_reported_untagged_and_forgets_the_command()
    {
        var reader = NewReader();
        reader.OnLine("a LOGIN {3}"u8);
        reader.OnLiteral("abc"u8);
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLineTooLong());
        Assert.Equal("a BAD Command line too long\r\n", ImapWire.Text(error.Response));
        Assert.False(reader.IsInsideCommand);
        Assert.Equal("* BAD Command line too long\r\n", ImapWire.Text(Assert.IsType<ImapReadResult.Error>(reader.OnLineTooLong()).Response));
    }

    [Fact]
    public void Command_over_the_total_size_is_bad()
    {
        var reader = NewReader(maxCommand: 30);
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLine(Encoding.ASCII.GetBytes("a LOGIN " + new string('x', 40))));
        Assert.Equal("a BAD Command too long\r\n", ImapWire.Text(error.Response));
    }

    [Fact]
    public void Unknown_command_and_invalid_tag_are_bad()
    {
        Assert.Equal("x1 BAD Unknown command\r\n", ImapWire.Text(ImapWire.Reject("x1 FROB").Response));
        Assert.Equal("* BAD Invalid tag\r\n", ImapWire.Text(ImapWire.Reject("+tag NOOP").Response));
        Assert.Equal("* BAD Invalid tag\r\n", ImapWire.Text(ImapWire.Reject("a(b NOOP").Response));
    }

    [Fact]
    public void Calls_out_of_order_are_programming_errors()
    {
        var reader = NewReader();
        Assert.Throws<InvalidOperationException>(() => reader.OnLiteral("x"u8));
        reader.OnLine("a LOGIN {3}"u8);
        Assert.Throws<InvalidOperationException>(() => reader.OnLine("b NOOP"u8));
        Assert.Throws<ArgumentException>(() => reader.OnLiteral("toolong"u8));
    }

    [Fact]
    public void Literal_marker_detection()
    {
        Assert.Equal((12L, false), ImapCommandReader.FindLiteralMarker("a LOGIN {12}"u8));
        Assert.Equal((0L, true), ImapCommandReader.FindLiteralMarker("a LOGIN {0+}"u8));
        Assert.Null(ImapCommandReader.FindLiteralMarker("a LOGIN \"{12}\""u8));
        Assert.Null(ImapCommandReader.FindLiteralMarker("a LOGIN \"x\\\" {12}"u8));
        Assert.Equal((-1L, false), ImapCommandReader.FindLiteralMarker("a {}"u8));
        Assert.Equal((-1L, false), ImapCommandReader.FindLiteralMarker("a {9999999999999999999}"u8));
    }
}
