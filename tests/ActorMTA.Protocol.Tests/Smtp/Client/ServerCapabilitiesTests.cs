using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

public class ServerCapabilitiesTests
{
    private static ServerCapabilities Parse(params string[] extensions) =>
        ServerCapabilities.FromEhloReply(new SmtpReply(250, null, ["mx.example.net Hello", .. extensions]));

    [Fact]
    public void Known_extensions_are_recognised_case_insensitively()
    {
        var caps = Parse("pipelining", "SIZE 35882577", "8BITMIME", "SmtpUtf8", "STARTTLS", "CHUNKING", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN");
        Assert.True(caps.Pipelining);
        Assert.True(caps.Size);
        Assert.Equal(35882577, caps.MaxSize);
        Assert.True(caps.EightBitMime);
        Assert.True(caps.SmtpUtf8);
        Assert.True(caps.StartTls);
        Assert.True(caps.Chunking);
        Assert.True(caps.EnhancedStatusCodes);
        Assert.Equal("PLAIN LOGIN", caps.Keywords["auth"]);
        Assert.Equal("", caps.Keywords["PIPELINING"]);
    }

    [Fact]
    public void The_greeting_line_is_not_a_keyword()
    {
        var caps = ServerCapabilities.FromEhloReply(new SmtpReply(250, null, "PIPELINING"));
        Assert.False(caps.Pipelining);
        Assert.Empty(caps.Keywords);
    }

    [Theory]
    [InlineData("SIZE")]
    [InlineData("SIZE 0")]
    [InlineData("SIZE lots")]
    public void Size_without_a_usable_limit_has_no_maximum(string line)
    {
        var caps = Parse(line);
        Assert.True(caps.Size);
        Assert.Null(caps.MaxSize);
    }

    [Fact]
    public void Lines_that_are_not_keywords_are_ignored()
    {
        var caps = Parse("-BAD", "", "X-EXPS GSSAPI");
        Assert.Equal(["X-EXPS"], caps.Keywords.Keys);
        Assert.Equal(ServerCapabilities.None, Parse());
    }
}
