using ActorMTA.Protocol.Smtp;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

public sealed class XTextTests
{
    [Theory]
    [InlineData("rfc822;alice@example.org", "rfc822;alice@example.org")]
    [InlineData("a+b=c d", "a+2Bb+3Dc+20d")]
    [InlineData("jösé", "j+C3+B6s+C3+A9")]
    public void Encodes_and_decodes_back(string text, string xtext)
    {
        Assert.Equal(xtext, XText.Encode(text));
        Assert.True(XText.TryDecode(xtext, out var decoded));
        Assert.Equal(text, decoded);
    }

    [Theory]
    [InlineData("a+2")]      // truncated hexchar
    [InlineData("a+2b")]     // RFC 3461: hex digits are upper case
    [InlineData("a=b")]      // "=" must be encoded
    [InlineData("a b")]      // space must be encoded
    [InlineData("+FF+FE")]   // not UTF-8
    public void Refuses_what_is_not_xtext(string xtext) => Assert.False(XText.TryDecode(xtext, out _));
}
