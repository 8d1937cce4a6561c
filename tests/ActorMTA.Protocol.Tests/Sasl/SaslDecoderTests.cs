using System.Text;
using ActorMTA.Protocol.Sasl;
using Xunit;

namespace ActorMTA.Protocol.Tests.Sasl;

public class SaslDecoderTests
{
    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Plain_message_is_split_into_its_three_fields()
    {
        Assert.Equal(SaslDecodeResult.Ok, SaslDecoder.DecodePlain(Base64("admin\0alice\0pässword"), out var credentials));
        Assert.Equal(new SaslPlainCredentials("admin", "alice", "pässword"), credentials);
        Assert.True(SaslDecoder.TryDecodePlain(Base64("\0alice\0pw"), out credentials));
        Assert.Equal("", credentials.AuthorizationId);
    }

    [Theory]
    [InlineData("!!!notbase64")]
    [InlineData("YWxpY2U")]
    [InlineData("YWxp Y2U=")]
    [InlineData("")]
    public void Bad_base64_is_told_apart(string base64)
    {
        Assert.Equal(SaslDecodeResult.InvalidBase64, SaslDecoder.DecodePlain(base64, out _));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("alice")]
    [InlineData("\0alice")]
    [InlineData("\0\0pw")]
    [InlineData("\0alice\0")]
    [InlineData("a\0b\0c\0d")]
    public void Malformed_messages_are_told_apart(string message)
    {
        var base64 = message == "=" ? "=" : Base64(message);
        Assert.Equal(SaslDecodeResult.Malformed, SaslDecoder.DecodePlain(base64, out _));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_malformed()
    {
        var base64 = Convert.ToBase64String([0, (byte)'a', 0, 0xff, 0xfe]);
        Assert.Equal(SaslDecodeResult.Malformed, SaslDecoder.DecodePlain(base64, out _));
        Assert.False(SaslDecoder.TryDecodeText(base64, out _));
    }

    [Fact]
    public void Login_text_and_the_empty_response()
    {
        Assert.True(SaslDecoder.TryDecodeText(Base64("jösé"), out var text));
        Assert.Equal("jösé", text);
        Assert.True(SaslDecoder.TryDecodeText("=", out text));
        Assert.Equal("", text);
    }

    [Fact]
    public void Credentials_never_print_the_password()
    {
        var text = new SaslPlainCredentials("", "alice", "hunter2").ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("alice", text);
    }

    [Theory]
    [InlineData("", "alice@example.org", true)]
    [InlineData("alice@example.org", "alice@example.org", true)]
    [InlineData("Alice@Example.ORG", "alice@example.org", true)]
    [InlineData("JÖSÉ@example.org", "jösé@example.org", true)]
    [InlineData("bob@example.org", "alice@example.org", false)]
    [InlineData("alice", "alice@example.org", false)]
    [InlineData(" alice@example.org", "alice@example.org", false)]
    public void Authorization_identity_must_be_empty_or_the_login_itself(string authzid, string authcid, bool permitted)
    {
        Assert.Equal(permitted, SaslAuthorization.Permits(authzid, authcid));
    }
}
