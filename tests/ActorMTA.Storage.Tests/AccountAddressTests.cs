using ActorMTA.Storage.Accounts;

namespace ActorMTA.Storage.Tests;

public sealed class AccountAddressTests
{
    [Theory]
    [InlineData("Alice@Example.COM", "alice@example.com")]
    [InlineData("JOSÉ@local.test", "josé@local.test")]
    [InlineData("user+tag@xn--bcher-kva.example", "user+tag@bücher.example")]
    [InlineData("x@BÜCHER.example.", "x@bücher.example")]
    [InlineData("a.b@local.test", "a.b@local.test")]
    public void Addresses_are_normalised(string input, string expected)
    {
        Assert.True(AccountAddress.TryNormalize(input, out var normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Fact]
    public void Local_part_longer_than_64_octets_is_refused()
    {
        Assert.True(AccountAddress.TryNormalize(new string('a', 64) + "@local.test", out _, out _));
        Assert.False(AccountAddress.TryNormalize(new string('a', 65) + "@local.test", out _, out _));
        Assert.False(AccountAddress.TryNormalize(new string('é', 33) + "@local.test", out _, out _)); // 66 octets
    }

    [Fact]
    public void Domain_of_255_octets_is_accepted_and_256_refused()
    {
        // RFC 5321 section 4.5.3.1.2: 255 octets is the longest domain a server must handle.
        var domain255 = string.Join('.', Enumerable.Range(0, 4).Select(i => (char)('a' + i) + new string('x', 61))) + ".org";
        Assert.Equal(255, domain255.Length);
        Assert.True(AccountAddress.TryNormalizeDomain(domain255, out var normalized));
        Assert.Equal(domain255, normalized);
        Assert.True(AccountAddress.TryNormalizeDomain(domain255.ToUpperInvariant() + ".", out normalized));
        Assert.Equal(domain255, normalized);
        Assert.True(AccountAddress.TryNormalize(new string('l', 64) + "@" + domain255, out _, out var domain));
        Assert.Equal(domain255, domain);
        Assert.False(AccountAddress.TryNormalizeDomain(domain255 + "x", out _));
        Assert.False(AccountAddress.TryNormalizeDomain("a" + new string('x', 63) + ".org", out _)); // 64-octet label
    }

    [Theory]
    [InlineData("-bad.example")]
    [InlineData("bad-.example")]
    [InlineData("a..b")]
    [InlineData("under_score.example")]
    public void Malformed_domains_are_refused(string domain) =>
        Assert.False(AccountAddress.TryNormalizeDomain(domain, out _));
}
