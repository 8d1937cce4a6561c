using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>Record selection (RFC 7208 section 4.5), domain validation (4.3) and record syntax (4.6, 5, 6, 7).</summary>
public class SpfRecordTests
{
    [Fact]
    public async Task No_txt_records_is_none()
    {
        var outcome = await CheckAsync(new TableCheckDns().Address("example.com", "192.0.2.1"), "192.0.2.1");
        Assert.Equal(SpfResult.None, outcome.Result);
        Assert.Null(outcome.Mechanism);
    }

    [Fact]
    public async Task Nxdomain_is_none()
    {
        Assert.Equal(SpfResult.None, (await CheckAsync(new TableCheckDns(), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Txt_records_that_are_not_spf_are_skipped()
    {
        var dns = new TableCheckDns().Txt("example.com", "google-site-verification=abc", "v=spf10 +all", "v=spf1x +all", "spf1 +all");
        Assert.Equal(SpfResult.None, (await CheckAsync(dns, "192.0.2.1")).Result);
        dns.Txt("example.com", "v=spf1 -all");
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Two_spf_records_are_a_permerror()
    {
        var outcome = await CheckAsync(new TableCheckDns().Txt("example.com", "v=spf1 +all", "v=spf1 -all"), "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("2 v=spf1 records", outcome.Problem);
    }

    [Fact]
    public async Task The_version_is_matched_without_regard_to_case()
    {
        Assert.Equal(SpfResult.Fail, (await CheckAsync(Record("V=SPF1 -all"), "192.0.2.1")).Result);
    }

    [Fact]
    public async Task A_record_split_into_several_strings_is_joined_without_spaces()
    {
        var dns = new TableCheckDns().TxtStrings("example.com", "v=spf1 ip4:192.0", ".2.1 -all");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Txt_lookup_error_is_a_temperror()
    {
        var outcome = await CheckAsync(new TableCheckDns().Fail("example.com"), "192.0.2.1");
        Assert.Equal(SpfResult.TempError, outcome.Result);
        Assert.Contains("TXT example.com", outcome.Problem);
    }

    [Fact]
    public async Task Extra_spaces_between_and_after_terms_are_fine()
    {
        Assert.Equal(SpfResult.Pass, (await CheckAsync(Record("v=spf1   ip4:192.0.2.1    -all   "), "192.0.2.1")).Result);
    }

    [Theory]
    [InlineData("A2345678")]                           // not multi-label
    [InlineData("[192.0.2.1]")]                        // address literal
    [InlineData("foo..example.com")]                   // empty label
    [InlineData(".example.com")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234.example.com")] // 64-character label
    [InlineData("ex ample.com")]
    public async Task An_invalid_initial_domain_is_none_without_asking_dns(string domain)
    {
        var dns = new TableCheckDns().Txt(domain.Length == 0 ? "x" : domain, "v=spf1 -all");
        var outcome = await CheckAsync(dns, "192.0.2.1", domain, sender: "user@" + domain);
        Assert.Equal(SpfResult.None, outcome.Result);
        Assert.Empty(dns.Questions);
    }

    [Fact]
    public async Task A_domain_over_253_characters_is_none()
    {
        var domain = string.Join('.', Enumerable.Repeat("abcdefghi", 25)) + ".co.uk"; // 255
        Assert.Equal(255, domain.Length);
        Assert.Equal(SpfResult.None, (await CheckAsync(Record("v=spf1 -all", domain), "192.0.2.1", domain)).Result);
    }

    [Fact]
    public async Task A_trailing_dot_is_accepted()
    {
        var outcome = await CheckAsync(Record("v=spf1 -all"), "192.0.2.1", "example.com.");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("example.com", outcome.Domain);
    }

    [Theory]
    [InlineData("v=spf1 foo")]                                  // unknown mechanism
    [InlineData("v=spf1 -all foo")]                             // even after a mechanism that would match
    [InlineData("v=spf1 all:example.com")]
    [InlineData("v=spf1 all/24")]
    [InlineData("v=spf1 ip4")]
    [InlineData("v=spf1 ip4:")]
    [InlineData("v=spf1 ip4:192.0.2")]
    [InlineData("v=spf1 ip4:192.0.2.256")]
    [InlineData("v=spf1 ip4:192.0.02.1")]
    [InlineData("v=spf1 ip4:192.0.2.1/33")]
    [InlineData("v=spf1 ip4:192.0.2.1/024")]
    [InlineData("v=spf1 ip4:192.0.2.1//64")]
    [InlineData("v=spf1 ip4:2001:db8::1")]
    [InlineData("v=spf1 ip6:192.0.2.1")]
    [InlineData("v=spf1 ip6:2001:db8::1/129")]
    [InlineData("v=spf1 ip6:2001:db8::zz")]
    [InlineData("v=spf1 ip6:fe80::1%eth0")]
    [InlineData("v=spf1 a:")]
    [InlineData("v=spf1 a/33")]
    [InlineData("v=spf1 a//129")]
    [InlineData("v=spf1 a/24/64")]
    [InlineData("v=spf1 a:museum")]                             // domain-end needs a dot and a top label
    [InlineData("v=spf1 a:foo.123")]                            // a top label that is all digits
    [InlineData("v=spf1 a:foo.-bar")]
    [InlineData("v=spf1 mx:example.com/24/64")]
    [InlineData("v=spf1 ptr/24")]
    [InlineData("v=spf1 ptr:")]
    [InlineData("v=spf1 include")]
    [InlineData("v=spf1 include:")]
    [InlineData("v=spf1 include:example")]
    [InlineData("v=spf1 exists")]
    [InlineData("v=spf1 include:example.net/24")]              // only a and mx take CIDR lengths
    [InlineData("v=spf1 exists:example.net/24")]
    [InlineData("v=spf1 ptr:example.net/24")]
    [InlineData("v=spf1 redirect=example.net/24")]
    [InlineData("v=spf1 -all exp=example.net/24")]
    [InlineData("v=spf1 exists:")]
    [InlineData("v=spf1 -exists:%{x}.example.com")]             // unknown macro letter
    [InlineData("v=spf1 exists:%{d0}.example.com")]             // zero digit transformer
    [InlineData("v=spf1 exists:%{c}.example.com")]              // c, r and t are for exp text only
    [InlineData("v=spf1 exists:%{r}.example.com")]
    [InlineData("v=spf1 exists:%{t}.example.com")]
    [InlineData("v=spf1 exists:%{d.example.com")]
    [InlineData("v=spf1 exists:%{d2r.}x")]                      // a literal tail without "." and a top label
    [InlineData("v=spf1 exists:%.example.com")]
    [InlineData("v=spf1 exists:example.com%")]
    [InlineData("v=spf1 exists:%{dr2}.example.com")]            // digits come before r
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com")]
    [InlineData("v=spf1 exp=a.example.com exp=b.example.com -all")]
    [InlineData("v=spf1 redirect=")]
    [InlineData("v=spf1 exp=")]
    [InlineData("v=spf1 -redirect=a.example.com")]
    [InlineData("v=spf1 redirect=example")]
    [InlineData("v=spf1 foo=%")]                                // an unknown modifier must still be a macro-string
    [InlineData("v=spf1 ip4:192.0.2.1\t-all")]                 // only SP separates terms
    [InlineData("v=spf1 -all \u00e9")]
    public async Task Syntax_errors_are_permerrors(string record)
    {
        var outcome = await CheckAsync(Record(record), "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.False(string.IsNullOrEmpty(outcome.Problem));
    }

    [Theory]
    [InlineData("v=spf1 a:foo-bar.com-baz -all")]              // a top label with a hyphen
    [InlineData("v=spf1 a:example.com. -all")]                 // trailing dot
    [InlineData("v=spf1 a:1.example.com -all")]
    [InlineData("v=spf1 a:foo:bar/baz.example.com -all")]      // ':' and '/' are macro-literals
    [InlineData("v=spf1 exists:%{d} -all")]                    // a domain-spec may end in a macro
    [InlineData("v=spf1 exists:%{ir}.%{l1r+-}.%{d2}.%% -all")]
    [InlineData("v=spf1 exists:%{D}.example.com -all")]
    [InlineData("v=spf1 ip4:0.0.0.0/0 ip6:::/0 -all")]
    [InlineData("v=spf1 ip6:::ffff:192.0.2.1/128 -all")]
    [InlineData("v=spf1 a/0//0 mx/32//128 -all")]
    [InlineData("V=Spf1 IP4:198.51.100.1 MX:Example.Com -ALL")]
    public void Valid_records_parse(string record)
    {
        Assert.True(SpfRecord.TryParse(record, out var parsed, out var error), error);
        Assert.NotNull(parsed);
    }

    [Fact]
    public void Parsed_record_keeps_its_terms()
    {
        Assert.True(SpfRecord.TryParse("v=spf1 -ip4:192.0.2.0/24 ~a:mail.example.com/28//64 mx redirect=r.example.com exp=e.%{d} x-y=z", out var r, out _));
        Assert.Equal(3, r!.Directives.Count);
        Assert.Equal(new[] { SpfResult.Fail, SpfResult.SoftFail, SpfResult.Pass }, r.Directives.Select(d => d.Qualifier));
        Assert.Equal(24, r.Directives[0].Ip4Prefix);
        Assert.Equal("mail.example.com", r.Directives[1].DomainSpec!.Text);
        Assert.Equal(28, r.Directives[1].Ip4Prefix);
        Assert.Equal(64, r.Directives[1].Ip6Prefix);
        Assert.Null(r.Directives[2].DomainSpec);
        Assert.Equal("r.example.com", r.Redirect!.Text);
        Assert.Equal("e.%{d}", r.Explanation!.Text);
        Assert.Equal("x-y", Assert.Single(r.OtherModifiers).Name);
    }
}
