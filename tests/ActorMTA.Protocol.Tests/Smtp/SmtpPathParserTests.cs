using ActorMTA.Protocol.Smtp;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpPathParserTests
{
    private static SmtpPath Parse(string text, bool allowNull = true, bool allowPostmaster = true)
    {
        Assert.True(SmtpPathParser.TryParse(text, allowNull, allowPostmaster, out var path), $"should parse {text}");
        return path;
    }

    [Theory]
    [InlineData("<alice@example.org>", "alice", "example.org")]
    [InlineData("<Alice.Smith+tag@Example.ORG>", "Alice.Smith+tag", "example.org")]
    [InlineData("<a!#$%&'*+-/=?^_`{|}~z@x.y>", "a!#$%&'*+-/=?^_`{|}~z", "x.y")]
    [InlineData("<user@[192.0.2.1]>", "user", "[192.0.2.1]")]
    [InlineData("<user@[IPv6:2001:db8::1]>", "user", "[ipv6:2001:db8::1]")]
    [InlineData("<user@[x-tag:any-content]>", "user", "[x-tag:any-content]")]
    [InlineData("<@relay1.example,@relay2.example:user@dest.example>", "user", "dest.example")]
    [InlineData("<\"john doe\"@example.org>", "john doe", "example.org")]
    [InlineData("<\"a\\\"b\\\\c\"@example.org>", "a\"b\\c", "example.org")]
    [InlineData("<jörg@bücher.example>", "jörg", "bücher.example")]
    [InlineData("<x@a-b.c0>", "x", "a-b.c0")]
    public void Valid_paths_parse_into_local_part_and_lower_case_domain(string text, string local, string domain)
    {
        var path = Parse(text);
        Assert.False(path.IsNull);
        Assert.Equal(local, path.LocalPart);
        Assert.Equal(domain, path.Domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice@example.org")]
    [InlineData("<alice@example.org")]
    [InlineData("<alice>")]
    [InlineData("<@example.org>")]
    [InlineData("<alice@>")]
    [InlineData("<alice@-bad.example>")]
    [InlineData("<alice@bad-.example>")]
    [InlineData("<alice@example.org.>")]
    [InlineData("<alice@exa mple.org>")]
    [InlineData("<.alice@example.org>")]
    [InlineData("<alice.@example.org>")]
    [InlineData("<al..ice@example.org>")]
    [InlineData("<al ice@example.org>")]
    [InlineData("<\"\"@example.org>")]
    [InlineData("<\"open@example.org>")]
    [InlineData("<user@[192.0.2.256]>")]
    [InlineData("<user@[192.0.2]>")]
    [InlineData("<user@[IPv6:zz::1]>")]
    [InlineData("<user@[1.2.3.4>")]
    [InlineData("<@relay:>")]
    [InlineData("<@relay user@example.org>")]
    [InlineData("<alice@example.org>x")]
    public void Invalid_paths_are_refused(string text)
    {
        Assert.False(SmtpPathParser.TryParse(text, allowNull: true, allowPostmaster: true, out _));
    }

    [Fact]
    public void Null_path_only_where_allowed()
    {
        Assert.True(Parse("<>").IsNull);
        Assert.Equal("", Parse("<>").Address);
        Assert.Equal("<>", Parse("<>").ToString());
        Assert.False(SmtpPathParser.TryParse("<>", allowNull: false, allowPostmaster: true, out _));
    }

    [Theory]
    [InlineData("<postmaster>")]
    [InlineData("<PostMaster>")]
    public void Bare_postmaster_has_no_domain_and_only_where_allowed(string text)
    {
        var path = Parse(text);
        Assert.Equal("postmaster", path.LocalPart);
        Assert.Null(path.Domain);
        Assert.Equal("<postmaster>", path.ToString());
        Assert.False(SmtpPathParser.TryParse(text, allowNull: true, allowPostmaster: false, out _));
    }

    [Fact]
    public void Address_requotes_local_parts_that_are_not_dot_strings()
    {
        Assert.Equal("alice@example.org", Parse("<alice@EXAMPLE.org>").Address);
        Assert.Equal("<alice@example.org>", Parse("<alice@EXAMPLE.org>").ToString());
        Assert.Equal("\"john doe\"@example.org", Parse("<\"john doe\"@example.org>").Address);
        Assert.Equal("\"a\\\"b\"@example.org", Parse("<\"a\\\"b\"@example.org>").Address);
        // Needless quotes are dropped: "abc" and abc are the same mailbox (RFC 5321 section 4.1.2).
        Assert.Equal("abc@example.org", Parse("<\"abc\"@example.org>").Address);
        Assert.Equal(Parse("<abc@example.org>"), Parse("<\"abc\"@Example.org>"));
    }

    [Fact]
    public void International_paths_are_flagged()
    {
        Assert.True(Parse("<jörg@example.org>").IsInternational);
        Assert.True(Parse("<joerg@bücher.example>").IsInternational);
        Assert.False(Parse("<joerg@example.org>").IsInternational);
    }

    [Fact]
    public void Parsing_from_a_position_stops_after_the_bracket()
    {
        var text = "FROM:<a@b.c> SIZE=10";
        var position = 5;
        Assert.True(SmtpPathParser.TryParse(text, ref position, allowNull: true, allowPostmaster: false, out var path));
        Assert.Equal(12, position);
        Assert.Equal("a@b.c", path.Address);
    }

    [Fact]
    public void Quoted_local_part_may_contain_angle_brackets_and_at_signs()
    {
        var path = Parse("<\"x>@y\"@example.org>");
        Assert.Equal("x>@y", path.LocalPart);
    }
}
