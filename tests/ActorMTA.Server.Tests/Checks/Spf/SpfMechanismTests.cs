using System.Net;
using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>Each mechanism of RFC 7208 section 5 and the qualifiers of section 4.6.2.</summary>
public class SpfMechanismTests
{
    [Theory]
    [InlineData("v=spf1 all", SpfResult.Pass)]
    [InlineData("v=spf1 +all", SpfResult.Pass)]
    [InlineData("v=spf1 -all", SpfResult.Fail)]
    [InlineData("v=spf1 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ?all", SpfResult.Neutral)]
    [InlineData("v=spf1 -ALL", SpfResult.Fail)]
    public async Task All_matches_and_gives_its_qualifier(string record, SpfResult expected)
    {
        var outcome = await CheckAsync(Record(record), "192.0.2.1");
        Assert.Equal(expected, outcome.Result);
        Assert.Equal("all", outcome.Mechanism, ignoreCase: true);
        Assert.Null(outcome.Problem);
    }

    [Fact]
    public async Task No_match_and_no_redirect_is_neutral_by_default()
    {
        var outcome = await CheckAsync(Record("v=spf1 ip4:198.51.100.1"), "192.0.2.1");
        Assert.Equal(SpfResult.Neutral, outcome.Result);
        Assert.Equal("default", outcome.Mechanism);
    }

    [Fact]
    public async Task An_empty_record_is_neutral()
    {
        Assert.Equal(SpfResult.Neutral, (await CheckAsync(Record("v=spf1"), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task The_first_matching_directive_decides()
    {
        var outcome = await CheckAsync(Record("v=spf1 ~ip4:192.0.2.0/24 +ip4:192.0.2.1 -all"), "192.0.2.1");
        Assert.Equal(SpfResult.SoftFail, outcome.Result);
        Assert.Equal("ip4:192.0.2.0/24", outcome.Mechanism);
    }

    [Theory]
    [InlineData("ip4:192.0.2.1", "192.0.2.1", true)]
    [InlineData("ip4:192.0.2.1", "192.0.2.2", false)]
    [InlineData("ip4:192.0.2.1/32", "192.0.2.1", true)]
    [InlineData("ip4:192.0.2.0/24", "192.0.2.255", true)]
    [InlineData("ip4:192.0.2.0/24", "192.0.3.0", false)]
    [InlineData("ip4:192.0.2.77/24", "192.0.2.1", true)] // host bits of the network are ignored
    [InlineData("ip4:192.0.2.128/25", "192.0.2.127", false)]
    [InlineData("ip4:10.0.0.0/7", "11.255.255.255", true)]
    [InlineData("ip4:0.0.0.0/0", "203.0.113.5", true)]
    [InlineData("ip4:0.0.0.0/0", "2001:db8::1", false)] // never matches an IPv6 client
    [InlineData("ip4:192.0.2.1", "::ffff:192.0.2.1", true)] // an IPv4-mapped client is an IPv4 client
    public async Task Ip4(string mechanism, string ip, bool matches)
    {
        var outcome = await CheckAsync(Record($"v=spf1 {mechanism} -all"), ip);
        Assert.Equal(matches ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
    }

    [Theory]
    [InlineData("ip6:2001:db8::1", "2001:db8::1", true)]
    [InlineData("ip6:2001:db8::1", "2001:db8::2", false)]
    [InlineData("ip6:2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("ip6:2001:db8::/32", "2001:db9::1", false)]
    [InlineData("ip6:2001:db8:1234::/49", "2001:db8:1234:7fff::1", true)]
    [InlineData("ip6:2001:db8:1234::/49", "2001:db8:1234:8000::1", false)]
    [InlineData("ip6:::/0", "2001:db8::1", true)]
    [InlineData("ip6:::/0", "192.0.2.1", false)] // never matches an IPv4 client
    [InlineData("ip6:::ffff:192.0.2.1", "192.0.2.1", false)]
    public async Task Ip6(string mechanism, string ip, bool matches)
    {
        var outcome = await CheckAsync(Record($"v=spf1 {mechanism} -all"), ip);
        Assert.Equal(matches ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
    }

    private static TableCheckDns Hosts(string record) => Record(record)
        .Address("example.com", "192.0.2.10", "2001:db8::10")
        .Address("other.example.net", "198.51.100.20")
        .Address("v6only.example.net", "2001:db8:1::20");

    [Theory]
    [InlineData("a", "192.0.2.10", true)]
    [InlineData("a", "192.0.2.11", false)]
    [InlineData("a", "2001:db8::10", true)] // AAAA for an IPv6 client
    [InlineData("a", "2001:db8::11", false)]
    [InlineData("a/24", "192.0.2.200", true)]
    [InlineData("a/24", "192.0.3.10", false)]
    [InlineData("a//64", "2001:db8::ffff", true)]
    [InlineData("a//64", "192.0.2.11", false)] // the IPv6 length leaves IPv4 at /32
    [InlineData("a/24//64", "192.0.2.99", true)]
    [InlineData("a/24//64", "2001:db8::99", true)]
    [InlineData("a/24//64", "2001:db8:0:1::99", false)]
    [InlineData("a:other.example.net", "198.51.100.20", true)]
    [InlineData("a:other.example.net", "192.0.2.10", false)]
    [InlineData("a:other.example.net/16", "198.51.7.7", true)]
    [InlineData("a:v6only.example.net", "192.0.2.10", false)]
    [InlineData("a:v6only.example.net//48", "2001:db8:1:ffff::1", true)]
    [InlineData("a:%{d}", "192.0.2.10", true)]
    public async Task A(string mechanism, string ip, bool matches)
    {
        var outcome = await CheckAsync(Hosts($"v=spf1 {mechanism} -all"), ip);
        Assert.Equal(matches ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
        if (matches) Assert.Equal(mechanism, outcome.Mechanism);
    }

    private static TableCheckDns MailHosts(string record) => Record(record)
        .Mx("example.com", 10, "mx1.example.com")
        .Mx("example.com", 20, "mx2.example.com")
        .Address("mx1.example.com", "192.0.2.1", "2001:db8::1")
        .Address("mx2.example.com", "192.0.2.2")
        .Mx("example.net", 5, "mail.example.net")
        .Address("mail.example.net", "198.51.100.1")
        .Mx("nullmx.example.net", 0, "")
        .Address("nullmx.example.net", "198.51.100.99");

    [Theory]
    [InlineData("mx", "192.0.2.1", true)]
    [InlineData("mx", "192.0.2.2", true)]
    [InlineData("mx", "192.0.2.3", false)]
    [InlineData("mx", "2001:db8::1", true)]
    [InlineData("mx", "2001:db8::2", false)]
    [InlineData("mx/30", "192.0.2.3", true)]
    [InlineData("mx//126", "2001:db8::3", true)]
    [InlineData("mx:example.net", "198.51.100.1", true)]
    [InlineData("mx:example.net", "192.0.2.1", false)]
    [InlineData("mx:example.net/24", "198.51.100.200", true)]
    [InlineData("mx:nullmx.example.net", "198.51.100.99", false)] // RFC 7505 null MX names no host
    public async Task Mx(string mechanism, string ip, bool matches)
    {
        var outcome = await CheckAsync(MailHosts($"v=spf1 {mechanism} -all"), ip);
        Assert.Equal(matches ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
    }

    [Fact]
    public async Task Mx_host_lookup_error_is_a_temperror()
    {
        var dns = MailHosts("v=spf1 mx -all").Fail("mx1.example.com");
        var outcome = await CheckAsync(dns, "192.0.2.2");
        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("mx1.example.com", outcome.Problem);
    }

    private static TableCheckDns Reverse(string record) => Record(record)
        .Ptr("192.0.2.5", "host.example.com")
        .Address("host.example.com", "192.0.2.5")
        .Ptr("192.0.2.6", "liar.example.com")
        .Address("liar.example.com", "192.0.2.99")
        .Ptr("192.0.2.7", "notexample.com")
        .Address("notexample.com", "192.0.2.7")
        .Ptr("192.0.2.8", "deep.sub.example.com", "other.example.org")
        .Address("deep.sub.example.com", "192.0.2.8")
        .Ptr("2001:db8::5", "v6.example.com")
        .Address("v6.example.com", "2001:db8::5")
        .Ptr("192.0.2.9", "example.com")
        .Address("example.com", "192.0.2.9");

    [Theory]
    [InlineData("ptr", "192.0.2.5", true)]
    [InlineData("ptr", "192.0.2.6", false)]  // the name's addresses do not include the client: not validated
    [InlineData("ptr", "192.0.2.7", false)]  // "notexample.com" is not under example.com
    [InlineData("ptr", "192.0.2.8", true)]   // a deeper subdomain is fine
    [InlineData("ptr", "192.0.2.9", true)]   // the domain itself
    [InlineData("ptr", "2001:db8::5", true)] // AAAA validation for IPv6
    [InlineData("ptr", "192.0.2.200", false)] // no PTR at all
    [InlineData("ptr:sub.example.com", "192.0.2.8", true)]
    [InlineData("ptr:sub.example.com", "192.0.2.5", false)]
    [InlineData("ptr:notexample.com", "192.0.2.7", true)]
    public async Task Ptr(string mechanism, string ip, bool matches)
    {
        var outcome = await CheckAsync(Reverse($"v=spf1 {mechanism} -all"), ip);
        Assert.Equal(matches ? SpfResult.Pass : SpfResult.Fail, outcome.Result);
    }

    [Fact]
    public async Task Ptr_lookup_error_does_not_match_rather_than_temperror()
    {
        var dns = Reverse("v=spf1 ptr -all").Fail(IPAddress.Parse("192.0.2.5").GetArpaName());
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.5")).Result);
    }

    [Fact]
    public async Task Ptr_address_lookup_error_skips_that_name()
    {
        var dns = Reverse("v=spf1 ptr -all").Fail("deep.sub.example.com");
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.8")).Result);
    }

    private static TableCheckDns Included(string record) => Record(record)
        .Txt("pass.example.net", "v=spf1 +all")
        .Txt("fail.example.net", "v=spf1 -all")
        .Txt("softfail.example.net", "v=spf1 ~all")
        .Txt("neutral.example.net", "v=spf1 ?all")
        .Txt("neutral-default.example.net", "v=spf1 ip4:198.51.100.1")
        .Txt("permerror.example.net", "v=spf1 bogus")
        .Txt("temperror.example.net", "v=spf1 a:down.example.net")
        .Fail("down.example.net")
        .Address("norecord.example.net", "192.0.2.1")
        .Txt("empty.example.net", "some other text");

    // Section 5.2's table: pass matches; fail, softfail and neutral do not; the errors end the check; none is permerror.
    [Theory]
    [InlineData("include:pass.example.net", SpfResult.SoftFail)]
    [InlineData("include:fail.example.net", SpfResult.Neutral)]
    [InlineData("include:softfail.example.net", SpfResult.Neutral)]
    [InlineData("include:neutral.example.net", SpfResult.Neutral)]
    [InlineData("include:neutral-default.example.net", SpfResult.Neutral)]
    [InlineData("include:permerror.example.net", SpfResult.PermError)]
    [InlineData("include:temperror.example.net", SpfResult.TempError)]
    [InlineData("include:norecord.example.net", SpfResult.PermError)]
    [InlineData("include:empty.example.net", SpfResult.PermError)]
    [InlineData("include:nxdomain.example.net", SpfResult.PermError)]
    public async Task Include_maps_the_inner_result(string mechanism, SpfResult expected)
    {
        var outcome = await CheckAsync(Included($"v=spf1 ~{mechanism} ?all"), "192.0.2.1");
        Assert.Equal(expected, outcome.Result);
        if (expected is SpfResult.PermError or SpfResult.TempError) Assert.NotNull(outcome.Problem);
    }

    [Fact]
    public async Task Include_reports_itself_as_the_mechanism()
    {
        var outcome = await CheckAsync(Included("v=spf1 include:pass.example.net -all"), "192.0.2.1");
        Assert.Equal(SpfResult.Pass, outcome.Result);
        Assert.Equal("include:pass.example.net", outcome.Mechanism);
    }

    [Fact]
    public async Task Include_evaluates_with_the_included_domain_as_d()
    {
        var dns = Record("v=spf1 include:spf.example.net -all")
            .Txt("spf.example.net", "v=spf1 a:mail.%{d} -all")
            .Address("mail.spf.example.net", "192.0.2.44");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.44")).Result);
    }

    [Theory]
    [InlineData("192.0.2.1", SpfResult.Pass)]
    [InlineData("2001:db8::1", SpfResult.Pass)] // exists always asks A, whatever the client's family
    public async Task Exists_matches_when_the_name_has_an_A_record(string ip, SpfResult expected)
    {
        var dns = Record("v=spf1 exists:ok.example.net -all").Address("ok.example.net", "127.0.0.2");
        Assert.Equal(expected, (await CheckAsync(dns, ip)).Result);
    }

    [Fact]
    public async Task Exists_does_not_match_without_an_A_record()
    {
        var dns = Record("v=spf1 exists:only-v6.example.net exists:missing.example.net -all").Address("only-v6.example.net", "2001:db8::1");
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "2001:db8::1")).Result);
    }

    [Fact]
    public async Task Exists_with_macros_asks_the_expanded_name()
    {
        var dns = Record("v=spf1 exists:%{i}.%{l}.allow.example.net -all").Address("192.0.2.1.alice.allow.example.net", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.1", sender: "alice@example.com")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.1", sender: "bob@example.com")).Result);
    }

    [Fact]
    public async Task Exists_lookup_error_is_a_temperror()
    {
        var dns = Record("v=spf1 exists:down.example.net -all").Fail("down.example.net");
        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task A_target_that_cannot_be_a_dns_name_does_not_match_and_is_not_asked()
    {
        var dns = Record("v=spf1 exists:%{l}.allow.example.net -all");
        var outcome = await CheckAsync(dns, "192.0.2.1", sender: "a..b@example.com");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.DoesNotContain(dns.Questions, q => q.Contains("allow"));
    }
}
