using System.Net;
using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>The MAIL FROM and HELO identities (RFC 7208 sections 2.3, 2.4 and 4.3).</summary>
public class SpfIdentityTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    private static TableCheckDns Zone() => new TableCheckDns()
        .Txt("example.com", "v=spf1 ip4:192.0.2.1 -all exp=why.example.com")
        .Txt("why.example.com", "%{l} at %{o} via %{h}")
        .Txt("helo.example.org", "v=spf1 -all exp=why.example.com");

    [Theory]
    [InlineData("user@example.com", "example.com")]
    [InlineData("<user@example.com>", "example.com")]
    [InlineData(" <User@Example.COM> ", "Example.COM")]
    [InlineData("<@relay.example.net:user@example.com>", "example.com")]
    [InlineData("<>", "helo.example.org")]
    [InlineData("", "helo.example.org")]
    [InlineData("user", "helo.example.org")]
    [InlineData("user@", "helo.example.org")]
    [InlineData("@example.com", "example.com")]
    public async Task Mail_from_domain(string mailFrom, string domain)
    {
        var outcome = await Evaluator(Zone()).CheckMailFromAsync(Client, mailFrom, "helo.example.org", CancellationToken.None);
        Assert.Equal(domain, outcome.Domain);
        Assert.Equal(domain.Equals("example.com", StringComparison.OrdinalIgnoreCase) ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
    }

    [Theory]
    [InlineData("<>", "postmaster at helo.example.org via helo.example.org")]
    [InlineData("@helo.example.org", "postmaster at helo.example.org via helo.example.org")]
    public async Task Null_sender_and_missing_local_part_are_postmaster(string mailFrom, string explanation)
    {
        var outcome = await Evaluator(Zone()).CheckMailFromAsync(IPAddress.Parse("198.51.100.1"), mailFrom, "helo.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal(explanation, outcome.Explanation);
    }

    [Fact]
    public async Task Domain_literal_sender_is_none()
    {
        var outcome = await Evaluator(Zone()).CheckMailFromAsync(Client, "<foo@[192.0.2.1]>", "helo.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.None, outcome.Result);
    }

    [Fact]
    public async Task Helo_identity_is_the_helo_name_with_postmaster()
    {
        var outcome = await Evaluator(Zone()).CheckHeloAsync(Client, "helo.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("helo.example.org", outcome.Domain);
        Assert.Equal("postmaster at helo.example.org via helo.example.org", outcome.Explanation);
    }

    [Theory]
    [InlineData("[192.0.2.1]")]
    [InlineData("A2345678")]
    [InlineData("OEMCOMPUTER")]
    [InlineData("")]
    public async Task Helo_that_is_no_domain_is_none_without_dns(string helo)
    {
        var dns = Zone();
        var outcome = await Evaluator(dns).CheckHeloAsync(Client, helo, CancellationToken.None);
        Assert.Equal(SpfResult.None, outcome.Result);
        Assert.Empty(dns.Questions);
    }

    [Fact]
    public async Task Ipv4_mapped_client_is_checked_as_ipv4()
    {
        var outcome = await Evaluator(Zone()).CheckMailFromAsync(IPAddress.Parse("::ffff:192.0.2.1"), "user@example.com", "h.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.Pass, outcome.Result);
    }
}
