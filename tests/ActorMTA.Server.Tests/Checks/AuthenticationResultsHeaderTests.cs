using ActorMTA.Server.Checks;
using Xunit;

namespace ActorMTA.Server.Tests.Checks;

public sealed class AuthenticationResultsHeaderTests
{
    [Fact]
    public void Results_are_folded_one_per_line_after_the_authserv_id()
    {
        var header = new AuthenticationResultsHeader("mail.example.org")
            .Add("spf", "pass", null, ("smtp.mailfrom", "alice@example.com"))
            .Add("dkim", "fail", "body hash did not verify", ("header.d", "example.com"), ("header.s", "s1"));
        Assert.Equal(
            "Authentication-Results: mail.example.org;\r\n\tspf=pass smtp.mailfrom=alice@example.com;\r\n" +
            "\tdkim=fail (body hash did not verify) header.d=example.com header.s=s1\r\n", header.ToString());
    }

    [Fact]
    public void No_results_is_none_as_rfc_8601_section_2_2_says() =>
        Assert.Equal("Authentication-Results: mx.example; none\r\n", new AuthenticationResultsHeader("mx.example").ToString());

    [Fact]
    public void Client_supplied_values_cannot_break_out_of_the_field()
    {
        var text = new AuthenticationResultsHeader("mx.example")
            .Add("spf", "none", "x)\r\nX-Injected: 1", ("smtp.helo", "evil\r\nX-Injected: yes")).ToString();
        Assert.DoesNotContain("\r\nX-Injected", text);
        Assert.Equal(3, text.Split("\r\n").Length);
    }

    [Theory]
    [InlineData(" mx.example; spf=pass", "mx.example")]
    [InlineData(" (comment) mx.example 1; none", "mx.example")]
    [InlineData("mx.example;dkim=pass", "mx.example")]
    [InlineData("  ", null)]
    public void The_authserv_id_is_read_past_comments(string value, string? expected) =>
        Assert.Equal(expected, AuthenticationResultsHeader.AuthServIdOf(value));
}
