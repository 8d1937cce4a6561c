using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

public class SmtpReplyAssemblerTests
{
    private static SmtpReply? Single(string line)
    {
        var assembler = new SmtpReplyAssembler();
        var status = assembler.Add(System.Text.Encoding.UTF8.GetBytes(line), out var reply);
        return status == ReplyLineStatus.Complete ? reply : null;
    }

    [Theory]
    [InlineData("250 2.1.5 Ok", 250, "2.1.5", "Ok")]
    [InlineData("550 5.1.1", 550, "5.1.1", "")]
    [InlineData("451 4.3.0 Try later\r", 451, "4.3.0", "Try later")]
    [InlineData("250 5.1.1 mismatched class stays text", 250, null, "5.1.1 mismatched class stays text")]
    [InlineData("250 2.01.0 leading zero is not a code", 250, null, "2.01.0 leading zero is not a code")]
    [InlineData("220 mx.example.net ESMTP", 220, null, "mx.example.net ESMTP")]
    [InlineData("250 1.2.3.4 is not a code", 250, null, "1.2.3.4 is not a code")]
    [InlineData("250", 250, null, "")]
    [InlineData("250 ", 250, null, "")]
    public void Single_line_replies_are_parsed_with_their_enhanced_code(string line, int code, string? enhanced, string text) =>
        Assert.Equal(new SmtpReply(code, enhanced, text), Single(line));

    [Fact]
    public void Continuation_lines_are_collected_until_the_final_line()
    {
        var assembler = new SmtpReplyAssembler();
        Assert.Equal(ReplyLineStatus.Incomplete, assembler.Add("452-4.5.3 Too many"u8, out var reply));
        Assert.Null(reply);
        Assert.True(assembler.IsPending);
        Assert.Equal(ReplyLineStatus.Incomplete, assembler.Add("452-4.5.3"u8, out _));
        Assert.Equal(ReplyLineStatus.Complete, assembler.Add("452 4.5.3 recipients"u8, out reply));
        Assert.Equal(new SmtpReply(452, "4.5.3", ["Too many", "", "recipients"]), reply);
        Assert.False(assembler.IsPending);

        // The assembler is ready for the next reply.
        Assert.Equal(ReplyLineStatus.Complete, assembler.Add("250 Ok"u8, out reply));
        Assert.Equal(new SmtpReply(250, null, "Ok"), reply);
    }

    [Fact]
    public void Enhanced_code_is_taken_from_the_first_line_only_when_present_there()
    {
        var assembler = new SmtpReplyAssembler();
        assembler.Add("250-mx.example.net"u8, out _);
        assembler.Add("250 2.0.0 PIPELINING"u8, out var reply);
        Assert.Equal(new SmtpReply(250, null, ["mx.example.net", "2.0.0 PIPELINING"]), reply);
    }

    [Fact]
    public void Invalid_utf8_text_is_replaced_not_rejected()
    {
        var reply = Single("550 5.1.1 \xff unknown");
        Assert.NotNull(reply);
        Assert.Equal("5.1.1", reply.EnhancedCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("199 informational")]
    [InlineData("260 second digit 6")]
    [InlineData("25x what")]
    [InlineData("250:colon")]
    public void Non_reply_lines_are_malformed(string line)
    {
        var assembler = new SmtpReplyAssembler();
        Assert.Equal(ReplyLineStatus.Malformed, assembler.Add(System.Text.Encoding.UTF8.GetBytes(line), out var reply));
        Assert.Null(reply);
    }

    [Fact]
    public void A_different_code_inside_a_multi_line_reply_is_malformed_and_the_partial_reply_dropped()
    {
        var assembler = new SmtpReplyAssembler();
        assembler.Add("250-first"u8, out _);
        Assert.Equal(ReplyLineStatus.Malformed, assembler.Add("550 second"u8, out _));
        Assert.False(assembler.IsPending);
    }
}
