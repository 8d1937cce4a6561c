using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Smtp;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpReplyTests
{
    private static string WireOf(SmtpReply reply)
    {
        var writer = new ArrayBufferWriter<byte>();
        reply.WriteTo(writer);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    [Fact]
    public void Single_line_reply_has_code_space_enhanced_code_text_crlf()
    {
        var reply = new SmtpReply(250, "2.1.0", "Ok");
        Assert.Equal("250 2.1.0 Ok\r\n", WireOf(reply));
        Assert.Equal("250 2.1.0 Ok", reply.ToString());
    }

    [Fact]
    public void Multi_line_reply_uses_hyphen_on_all_but_the_last_line_and_repeats_the_enhanced_code()
    {
        var reply = new SmtpReply(550, "5.7.1", ["first", "second", "third"]);
        Assert.Equal("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n", WireOf(reply));
        Assert.Equal("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third", reply.ToString());
    }

    [Fact]
    public void Reply_without_enhanced_code_and_empty_text_keeps_the_space()
    {
        Assert.Equal("334 \r\n", WireOf(new SmtpReply(334, null, "")));
        Assert.Equal("220 host ESMTP\r\n", Encoding.UTF8.GetString(new SmtpReply(220, null, "host ESMTP").ToBytes()));
    }

    [Fact]
    public void Text_is_written_as_utf8()
    {
        Assert.Equal("250 2.0.0 Grüße\r\n"u8.ToArray(), new SmtpReply(250, "2.0.0", "Grüße").ToBytes());
    }

    [Theory]
    [InlineData("bad\r\n250 injected")]
    [InlineData("bad\nline")]
    public void Text_with_line_breaks_is_refused(string text)
    {
        Assert.Throws<ArgumentException>(() => new SmtpReply(250, null, text));
    }

    [Theory]
    [InlineData(250, "5.0.0")]
    [InlineData(550, "5.0")]
    [InlineData(550, "5.x.1")]
    public void Enhanced_code_must_match_the_class_and_syntax(int code, string enhanced)
    {
        Assert.Throws<ArgumentException>(() => new SmtpReply(code, enhanced, "x"));
    }

    [Fact]
    public void Replies_compare_by_value()
    {
        Assert.Equal(new SmtpReply(250, "2.0.0", ["a", "b"]), new SmtpReply(250, "2.0.0", new List<string> { "a", "b" }));
        Assert.NotEqual(new SmtpReply(250, "2.0.0", "a"), new SmtpReply(250, "2.0.0", "b"));
    }
}
