using System.Net;
using ActorMTA.Server.Checks;
using Xunit;

namespace ActorMTA.Server.Tests.Checks;

public sealed class ConnectionChecksTests
{
    private static SpamSettings Settings(params DnsListZone[] zones) => new() { Enabled = true, DnsLists = zones, FcrdnsFailWeight = 1.5 };

    [Theory]
    [InlineData("192.0.2.99", "bl.example", "99.2.0.192.bl.example")]
    [InlineData("2001:db8:1:2:3:4:567:89ab", "bl.example", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example")]
    public void Query_names_reverse_the_address_as_rfc_5782_says(string address, string zone, string expected) =>
        Assert.Equal(expected, ConnectionChecks.QueryName(IPAddress.Parse(address), zone));

    [Fact]
    public async Task A_listed_client_adds_the_zone_weight_and_a_whitelist_subtracts()
    {
        var dns = new TableCheckDns()
            .Address("2.0.0.127.bl.example", "127.0.0.2")
            .Address("2.0.0.127.wl.example", "127.0.9.1")
            .Ptr("127.0.0.2", "mx.example").Address("mx.example", "127.0.0.2");
        var checks = new ConnectionChecks(dns, Settings(new DnsListZone("bl.example", 10, []), new DnsListZone("wl.example", -4, [])));
        var result = await checks.AssessAsync(IPAddress.Parse("127.0.0.2"), CancellationToken.None);
        Assert.Equal(6, result.Score);
        Assert.Equal(IpRevResult.Pass, result.IpRev);
        Assert.Equal("mx.example", result.ReverseName);
        Assert.Equal("bl.example", result.BlockingZones);
    }

    [Fact]
    public async Task Only_the_configured_answers_count_and_never_answers_outside_127_0_0_0_8()
    {
        var dns = new TableCheckDns()
            .Address("3.0.0.127.codes.example", "127.0.0.4")
            .Address("3.0.0.127.errors.example", "127.255.255.254")
            .Address("3.0.0.127.odd.example", "10.0.0.1");
        var checks = new ConnectionChecks(dns, Settings(
            new DnsListZone("codes.example", 10, [IPAddress.Parse("127.0.0.2")]),
            new DnsListZone("errors.example", 10, []),
            new DnsListZone("odd.example", 10, [])));
        var result = await checks.AssessAsync(IPAddress.Parse("127.0.0.3"), CancellationToken.None);
        Assert.Empty(result.Hits);
        // No PTR record: reverse DNS fails and adds its weight.
        Assert.Equal(IpRevResult.Fail, result.IpRev);
        Assert.Equal(1.5, result.Score);
    }

    [Fact]
    public async Task A_reverse_name_that_does_not_resolve_back_fails_and_dns_trouble_is_temperror()
    {
        var dns = new TableCheckDns().Ptr("127.0.0.7", "liar.example").Address("liar.example", "127.0.0.8")
            .Ptr("127.0.0.9", "slow.example").Fail("slow.example");
        var checks = new ConnectionChecks(dns, Settings());
        Assert.Equal(IpRevResult.Fail, (await checks.AssessAsync(IPAddress.Parse("127.0.0.7"), CancellationToken.None)).IpRev);
        var slow = await checks.AssessAsync(IPAddress.Parse("127.0.0.9"), CancellationToken.None);
        Assert.Equal(IpRevResult.TempError, slow.IpRev);
        Assert.Equal(0, slow.Score);
    }
}
