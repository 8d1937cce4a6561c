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
}
