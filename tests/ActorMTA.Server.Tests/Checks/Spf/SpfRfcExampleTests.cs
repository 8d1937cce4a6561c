using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>The examples of RFC 7208 Appendix A, over its example.com and example.org zones.</summary>
public class SpfRfcExampleTests
{
    // A.1 Simple Examples: each record at example.com, each sending host with what the RFC says of it.
    [Theory]
    [InlineData("v=spf1 +all", "192.0.2.1", SpfResult.Pass)]
    [InlineData("v=spf1 +all", "198.51.100.7", SpfResult.Pass)]
    [InlineData("v=spf1 -all", "192.0.2.10", SpfResult.Fail)]
    [InlineData("v=spf1 a -all", "192.0.2.10", SpfResult.Pass)]
    [InlineData("v=spf1 a -all", "192.0.2.11", SpfResult.Pass)]
    [InlineData("v=spf1 a -all", "192.0.2.65", SpfResult.Fail)]
    [InlineData("v=spf1 a:example.org -all", "192.0.2.140", SpfResult.Fail)]
    [InlineData("v=spf1 a:example.org -all", "192.0.2.10", SpfResult.Fail)]
    [InlineData("v=spf1 a:mail-a.example.com -all", "192.0.2.129", SpfResult.Pass)]
    [InlineData("v=spf1 a:mail-a.example.com -all", "192.0.2.130", SpfResult.Fail)]
    [InlineData("v=spf1 mx -all", "192.0.2.129", SpfResult.Pass)]
    [InlineData("v=spf1 mx -all", "192.0.2.130", SpfResult.Pass)]
    [InlineData("v=spf1 mx -all", "192.0.2.10", SpfResult.Fail)]
    [InlineData("v=spf1 mx:example.org -all", "192.0.2.140", SpfResult.Pass)]
    [InlineData("v=spf1 mx:example.org -all", "192.0.2.129", SpfResult.Fail)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.129", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.130", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.140", SpfResult.Pass)]
    [InlineData("v=spf1 mx mx:example.org -all", "192.0.2.65", SpfResult.Fail)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", SpfResult.Pass)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.128", SpfResult.Pass)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", SpfResult.Pass)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132", SpfResult.Fail)]
    [InlineData("v=spf1 ptr -all", "192.0.2.65", SpfResult.Pass)]
    [InlineData("v=spf1 ptr -all", "192.0.2.140", SpfResult.Fail)]
    [InlineData("v=spf1 ptr -all", "10.0.0.4", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", SpfResult.Pass)]
    public async Task A1_simple_examples(string record, string ip, SpfResult expected)
    {
        var outcome = await CheckAsync(AppendixA().Txt("example.com", record), ip);
        Assert.Equal(expected, outcome.Result);
        Assert.Equal("example.com", outcome.Domain);
    }

    // A.2 Multiple Domain Example: example.org's record includes example.com's and example.net's; la, ny and sf
    // redirect to example.org's.
    [Theory]
    [InlineData("example.org", "192.0.2.129", SpfResult.Pass)]
    [InlineData("example.org", "203.0.113.9", SpfResult.Pass)]
    [InlineData("example.org", "192.0.2.65", SpfResult.Fail)]
    [InlineData("la.example.org", "192.0.2.130", SpfResult.Pass)]
    [InlineData("ny.example.org", "203.0.113.9", SpfResult.Pass)]
    [InlineData("sf.example.org", "198.51.100.1", SpfResult.Fail)]
    public async Task A2_multiple_domains(string domain, string ip, SpfResult expected)
    {
        var dns = AppendixA()
            .Txt("example.org", "v=spf1 include:example.com include:example.net -all")
            .Txt("la.example.org", "v=spf1 redirect=example.org")
            .Txt("ny.example.org", "v=spf1 redirect=example.org")
            .Txt("sf.example.org", "v=spf1 redirect=example.org")
            .Txt("example.com", "v=spf1 mx -all")
            .Txt("example.net", "v=spf1 ip4:203.0.113.0/24 -all");
        var outcome = await CheckAsync(dns, ip, domain);
        Assert.Equal(expected, outcome.Result);
        Assert.Equal(domain, outcome.Domain);
    }

    // A.3 DNSBL Style Example: mobile users by local part, remote users by local part and address.
    [Theory]
    [InlineData("mary@example.com", "198.51.100.23", SpfResult.Pass)]
    [InlineData("fred@example.com", "198.51.100.24", SpfResult.Pass)]
    [InlineData("joel@example.com", "192.168.15.15", SpfResult.Pass)]
    [InlineData("joel@example.com", "192.168.15.16", SpfResult.Pass)]
    [InlineData("joel@example.com", "192.168.15.17", SpfResult.Fail)]
    [InlineData("bob@example.com", "198.51.100.23", SpfResult.Fail)]
    [InlineData("anyone@example.com", "192.0.2.129", SpfResult.Pass)]
    public async Task A3_dnsbl_style(string sender, string ip, SpfResult expected)
    {
        var dns = AppendixA()
            .Txt("example.com", "v=spf1 mx include:mobile-users._spf.%{d} include:remote-users._spf.%{d} -all")
            .Txt("mobile-users._spf.example.com", "v=spf1 exists:%{l1r+}.%{d}")
            .Txt("remote-users._spf.example.com", "v=spf1 exists:%{ir}.%{l1r+}.%{d}")
            .Address("mary.mobile-users._spf.example.com", "127.0.0.2")
            .Address("fred.mobile-users._spf.example.com", "127.0.0.2")
            .Address("15.15.168.192.joel.remote-users._spf.example.com", "127.0.0.2")
            .Address("16.15.168.192.joel.remote-users._spf.example.com", "127.0.0.2");
        var outcome = await CheckAsync(dns, ip, sender: sender);
        Assert.Equal(expected, outcome.Result);
    }

    [Fact]
    public async Task A3_l1r_plus_takes_the_part_before_a_plus_tag()
    {
        var dns = new TableCheckDns()
            .Txt("example.com", "v=spf1 exists:%{l1r+}.mobile-users._spf.%{d} -all")
            .Address("mary.mobile-users._spf.example.com", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "198.51.100.23", sender: "mary+lists@example.com")).Result);
    }

    // A.4 Multiple Requirements Example: the client must be in 192.0.2.0/24 and its reverse name in example.com.
    // The RFC's ptr._spf record is "v=spf1 -ptr +all"; inside that include ptr's default target is
    // ptr._spf.example.com itself, under which no host is named, so taken literally nobody could pass. "-ptr:%{d2}"
    // (example.com, from inside the include) tests what the example's prose describes.
    [Theory]
    [InlineData("192.0.2.65", SpfResult.Pass)]   // amy: in the network, PTR validated in example.com
    [InlineData("192.0.2.140", SpfResult.Fail)]  // in the network, but its name is in example.org
    [InlineData("10.0.0.4", SpfResult.Fail)]     // claims bob.example.com, outside the network and not validated
    [InlineData("198.51.100.1", SpfResult.Fail)] // neither
    public async Task A4_multiple_requirements(string ip, SpfResult expected)
    {
        var dns = AppendixA()
            .Txt("example.com", "v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all")
            .Txt("ip4._spf.example.com", "v=spf1 -ip4:192.0.2.0/24 +all")
            .Txt("ptr._spf.example.com", "v=spf1 -ptr:%{d2} +all");
        var outcome = await CheckAsync(dns, ip);
        Assert.Equal(expected, outcome.Result);
    }
}
