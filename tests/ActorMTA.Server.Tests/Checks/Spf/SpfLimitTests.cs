using System.Net;
using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>The processing limits of RFC 7208 section 4.6.4, DNS errors, and the overall timeout.</summary>
public class SpfLimitTests
{
    /// <summary>A record of <paramref name="count"/> a: mechanisms whose names exist but do not hold the client.</summary>
    private static TableCheckDns Lookups(int count, string tail = "-all")
    {
        var dns = Record("v=spf1 " + string.Join(' ', Enumerable.Range(1, count).Select(i => $"a:h{i}.example.com")) + " " + tail);
        for (var i = 1; i <= 50; i++) dns.Address($"h{i}.example.com", "198.51.100.1");
        return dns;
    }

    [Fact]
    public async Task Ten_dns_terms_are_allowed()
    {
        Assert.Equal(SpfResult.Fail, (await CheckAsync(Lookups(10), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task The_eleventh_dns_term_is_a_permerror()
    {
        var dns = Lookups(11);
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("more than 10 DNS", outcome.Problem);
        Assert.DoesNotContain("A h11.example.com", dns.Questions); // stopped before asking
    }

    [Fact]
    public async Task The_limit_counts_only_terms_that_are_reached()
    {
        var dns = Lookups(20, "-all");
        dns.Address("h3.example.com", "192.0.2.1");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Theory]
    [InlineData("include:i.example.net")]
    [InlineData("mx:m.example.net")]
    [InlineData("ptr")]
    [InlineData("exists:h1.example.com")]
    [InlineData("a:h1.example.com")]
    public async Task Each_dns_mechanism_counts(string eleventh)
    {
        var dns = Lookups(10, eleventh + " -all")
            .Txt("i.example.net", "v=spf1 -all")
            .Mx("m.example.net", 10, "h1.example.com")
            .Ptr("192.0.2.1", "h1.example.com");
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Redirect_counts()
    {
        var dns = Lookups(10, "redirect=r.example.net").Txt("r.example.net", "v=spf1 +all");
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1")).Result);
        var nine = Lookups(9, "redirect=r.example.net").Txt("r.example.net", "v=spf1 +all");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(nine, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Ip_and_all_terms_do_not_count()
    {
        var record = "v=spf1 " + string.Join(' ', Enumerable.Range(1, 30).Select(i => $"ip4:198.51.100.{i} ip6:2001:db8::{i:x}")) + " a:h1.example.com -all";
        var dns = Record(record).Address("h1.example.com", "192.0.2.1");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Includes_share_the_count_with_their_parent()
    {
        var dns = Record("v=spf1 a:h1.example.com a:h2.example.com include:inner.example.net -all")
            .Txt("inner.example.net", "v=spf1 " + string.Join(' ', Enumerable.Range(3, 8).Select(i => $"a:h{i}.example.com")) + " ?all");
        for (var i = 1; i <= 10; i++) dns.Address($"h{i}.example.com", "198.51.100.1");
        // 2 + include + 8 = 11.
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task An_include_loop_ends_in_permerror_through_the_lookup_limit()
    {
        var dns = Record("v=spf1 include:example.com -all");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("more than 10 DNS", outcome.Problem);
        Assert.Equal(11, dns.Questions.Count(q => q == "TXT example.com"));
    }

    [Fact]
    public async Task A_redirect_loop_ends_in_permerror_through_the_lookup_limit()
    {
        var dns = Record("v=spf1 redirect=other.example.net").Txt("other.example.net", "v=spf1 redirect=example.com");
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task The_lookup_limit_is_configurable()
    {
        var dns = Lookups(4);
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1", options: Options with { MaxDnsLookups = 3 })).Result);
    }

    [Fact]
    public async Task Two_void_lookups_are_allowed()
    {
        var dns = Record("v=spf1 a:void1.example.com a:void2.example.com -all").Txt("void2.example.com", "not an address");
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Theory]
    [InlineData("a:void1.example.com a:void2.example.com a:void3.example.com")] // NXDOMAIN
    [InlineData("a:void1.example.com a:nodata.example.com exists:void3.example.com")] // NODATA counts as well
    [InlineData("mx:void1.example.com mx:void2.example.com mx:void3.example.com")]
    [InlineData("exists:void1.example.com exists:void2.example.com exists:void3.example.com")]
    [InlineData("ptr a:void1.example.com a:void2.example.com")]
    [InlineData("a:void1.example.com include:inner.example.net")]
    public async Task The_third_void_lookup_is_a_permerror(string terms)
    {
        var dns = Record($"v=spf1 {terms} -all")
            .Txt("nodata.example.com", "exists, but no address")
            .Txt("inner.example.net", "v=spf1 a:void2.example.com a:void3.example.com -all");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("void", outcome.Problem);
    }

    [Fact]
    public async Task The_void_limit_is_configurable()
    {
        var dns = Record("v=spf1 a:void1.example.com a:void2.example.com a:void3.example.com -all");
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.1", options: Options with { MaxVoidLookups = 3 })).Result);
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns, "192.0.2.1", options: Options with { MaxVoidLookups = 1 })).Result);
    }

    private static TableCheckDns MxHosts(int count)
    {
        var dns = Record("v=spf1 mx -all");
        for (var i = 1; i <= count; i++) dns.Mx("example.com", i, $"mx{i}.example.com").Address($"mx{i}.example.com", $"198.51.100.{i}");
        return dns;
    }

    [Fact]
    public async Task Ten_mx_names_are_allowed()
    {
        Assert.Equal(SpfResult.Pass, (await CheckAsync(MxHosts(10), "198.51.100.10")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(MxHosts(10), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task More_than_ten_mx_names_is_a_permerror()
    {
        var outcome = await CheckAsync(MxHosts(11), "198.51.100.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("11 MX records", outcome.Problem);
    }

    [Fact]
    public async Task Mx_host_lookups_stop_at_the_first_match()
    {
        var dns = MxHosts(10);
        await CheckAsync(dns, "198.51.100.2");
        Assert.DoesNotContain("A mx3.example.com", dns.Questions);
    }

    [Fact]
    public async Task Only_the_first_ten_ptr_names_are_considered()
    {
        var names = Enumerable.Range(1, 11).Select(i => $"n{i}.example.com").ToArray();
        var dns = Record("v=spf1 ptr -all").Ptr("192.0.2.1", names);
        for (var i = 1; i <= 10; i++) dns.Address($"n{i}.example.com", "198.51.100.1");
        dns.Address("n11.example.com", "192.0.2.1"); // the only valid one, and eleventh
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.1")).Result);
        Assert.DoesNotContain("A n11.example.com", dns.Questions);

        var tenth = Record("v=spf1 ptr -all").Ptr("192.0.2.1", names);
        tenth.Address("n10.example.com", "192.0.2.1");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(tenth, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Dns_error_on_a_is_a_temperror()
    {
        var outcome = await CheckAsync(Record("v=spf1 a:down.example.com -all").Fail("down.example.com"), "192.0.2.1");
        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("down.example.com", outcome.Problem);
    }

    [Fact]
    public async Task Dns_error_on_mx_is_a_temperror()
    {
        Assert.Equal(SpfResult.TempError, (await CheckAsync(Record("v=spf1 mx:down.example.com -all").Fail("down.example.com"), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task A_syntax_error_beats_a_dns_error_because_nothing_is_evaluated()
    {
        var outcome = await CheckAsync(Record("v=spf1 a:down.example.com bad -all").Fail("down.example.com"), "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a resolver that never answers and ignores cancellation still cannot hold the check
    public async Task The_overall_timeout_is_a_temperror(bool honourCancellation)
    {
        var dns = new HangingCheckDns(Record("v=spf1 a:slow.example.com -all"), honourCancellation, "slow.example.com");
        var evaluator = Evaluator(dns, Options with { Timeout = TimeSpan.FromMilliseconds(200) });
        var outcome = await evaluator.CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "u@example.com", "h.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("longer than", outcome.Problem);
    }

    [Fact]
    public async Task Timeout_while_fetching_the_explanation_keeps_the_fail()
    {
        var dns = new HangingCheckDns(Record("v=spf1 -all exp=slow.example.com"), true, "slow.example.com");
        var evaluator = Evaluator(dns, Options with { Timeout = TimeSpan.FromMilliseconds(200) });
        var outcome = await evaluator.CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "u@example.com", "h.example.org", CancellationToken.None);
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Null(outcome.Explanation);
    }

    [Fact]
    public async Task Caller_cancellation_throws_rather_than_giving_a_result()
    {
        var dns = new HangingCheckDns(Record("v=spf1 a:slow.example.com -all"), true, "slow.example.com");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Evaluator(dns).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "example.com", "u@example.com", "h.example.org", cts.Token));
    }
}
