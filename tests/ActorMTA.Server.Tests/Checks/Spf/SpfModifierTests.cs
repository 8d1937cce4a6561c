using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>redirect=, exp= and unknown modifiers (RFC 7208 section 6).</summary>
public class SpfModifierTests
{
    [Fact]
    public async Task Redirect_is_followed_when_nothing_matches()
    {
        var dns = Record("v=spf1 ip4:198.51.100.1 redirect=_spf.example.net")
            .Txt("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
        var pass = await CheckAsync(dns, "192.0.2.7");
        Assert.Equal(SpfResult.Pass, pass.Result);
        Assert.Equal("ip4:192.0.2.0/24", pass.Mechanism);
        Assert.Equal("example.com", pass.Domain);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "203.0.113.1")).Result);
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "198.51.100.1")).Result);
    }

    [Fact]
    public async Task Redirect_may_stand_before_the_mechanisms()
    {
        var dns = Record("v=spf1 redirect=_spf.example.net ip4:198.51.100.1").Txt("_spf.example.net", "v=spf1 -all");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "198.51.100.1")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(dns, "198.51.100.2")).Result);
    }

    [Fact]
    public async Task Redirect_is_ignored_when_the_record_has_all()
    {
        var dns = Record("v=spf1 ?all redirect=_spf.example.net").Txt("_spf.example.net", "v=spf1 -all");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.Neutral, outcome.Result);
        Assert.DoesNotContain(dns.Questions, q => q.Contains("_spf"));
    }

    [Fact]
    public async Task Redirect_to_a_domain_without_a_record_is_a_permerror()
    {
        var dns = Record("v=spf1 redirect=nothing.example.net");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("redirect", outcome.Problem);
    }

    [Fact]
    public async Task Redirect_to_an_invalid_domain_is_a_permerror()
    {
        var dns = Record("v=spf1 redirect=%{l}.example.net");
        var outcome = await CheckAsync(dns, "192.0.2.1", sender: "x@example.com");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        outcome = await CheckAsync(dns, "192.0.2.1", sender: "a..b@example.com");
        Assert.Equal(SpfResult.PermError, outcome.Result);
    }

    [Fact]
    public async Task Redirect_evaluates_with_the_target_as_d()
    {
        var dns = Record("v=spf1 redirect=spf.example.net")
            .Txt("spf.example.net", "v=spf1 a:mail.%{d} -all")
            .Address("mail.spf.example.net", "192.0.2.44");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.44")).Result);
    }

    [Fact]
    public async Task Redirect_error_in_the_target_propagates()
    {
        var dns = Record("v=spf1 redirect=spf.example.net").Txt("spf.example.net", "v=spf1 a:down.example.net -all").Fail("down.example.net");
        Assert.Equal(SpfResult.TempError, (await CheckAsync(dns, "192.0.2.1")).Result);
    }

    [Fact]
    public async Task Exp_gives_the_explanation_on_fail()
    {
        var dns = Record("v=spf1 mx -all exp=explain._spf.%{d}")
            .Txt("explain._spf.example.com", "%{i} is not one of %{d}'s designated mail servers.");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("192.0.2.1 is not one of example.com's designated mail servers.", outcome.Explanation);
    }

    [Theory]
    [InlineData("v=spf1 ~all exp=explain.example.com")]
    [InlineData("v=spf1 ?all exp=explain.example.com")]
    [InlineData("v=spf1 +all exp=explain.example.com")]
    public async Task Exp_is_not_looked_up_for_other_results(string record)
    {
        var dns = Record(record).Txt("explain.example.com", "nope");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Null(outcome.Explanation);
        Assert.DoesNotContain(dns.Questions, q => q.Contains("explain"));
    }

    [Fact]
    public async Task Exp_text_may_use_c_r_and_t()
    {
        var time = new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1_400_000_000));
        var dns = Record("v=spf1 -all exp=explain.example.com").Txt("explain.example.com", "%{c} rejected by %{r} at %{t} for %{s} via %{h}");
        var outcome = await CheckAsync(dns, "2001:db8::cb01", sender: "u@example.com", helo: "client.example.org",
            options: Options with { Time = time });
        Assert.Equal("2001:db8::cb01 rejected by mx.receiver.example at 1400000000 for u@example.com via client.example.org", outcome.Explanation);
    }

    [Theory]
    [InlineData("explain.example.com", null)]                  // NXDOMAIN
    [InlineData("two.example.com", null)]                      // more than one TXT record
    [InlineData("bad.example.com", null)]                      // syntax error in the text
    [InlineData("down.example.com", null)]                     // DNS error
    [InlineData("%{l}.example.com", null)]                     // expands to no valid name for "a..b"
    public async Task Exp_trouble_leaves_the_fail_without_explanation(string expDomain, string? expected)
    {
        var dns = Record($"v=spf1 -all exp={expDomain}")
            .Txt("two.example.com", "one", "two")
            .Txt("bad.example.com", "100% wrong")
            .Fail("down.example.com");
        var outcome = await CheckAsync(dns, "192.0.2.1", sender: "a..b@example.com");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal(expected, outcome.Explanation);
    }

    [Fact]
    public async Task Exp_of_an_included_record_is_not_used()
    {
        var dns = Record("v=spf1 -include:inner.example.net -all")
            .Txt("inner.example.net", "v=spf1 +all exp=inner-exp.example.net")
            .Txt("inner-exp.example.net", "inner explanation");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Null(outcome.Explanation);
    }

    [Fact]
    public async Task Exp_of_the_redirecting_record_is_not_used_but_the_targets_is()
    {
        var dns = Record("v=spf1 redirect=target.example.net exp=outer-exp.example.com")
            .Txt("outer-exp.example.com", "outer explanation")
            .Txt("target.example.net", "v=spf1 -all exp=target-exp.%{d}")
            .Txt("target-exp.target.example.net", "explained by %{d} for %{o}");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("explained by target.example.net for example.com", outcome.Explanation);

        var none = Record("v=spf1 redirect=target.example.net exp=outer-exp.example.com")
            .Txt("outer-exp.example.com", "outer explanation")
            .Txt("target.example.net", "v=spf1 -all");
        Assert.Null((await CheckAsync(none, "192.0.2.1")).Explanation);
    }

    [Fact]
    public async Task Exp_does_not_count_against_the_lookup_limit()
    {
        var record = "v=spf1 " + string.Join(' ', Enumerable.Range(1, 10).Select(i => $"a:h{i}.example.com")) + " -all exp=e.example.com";
        var dns = Record(record).Txt("e.example.com", "explained");
        for (var i = 1; i <= 10; i++) dns.Address($"h{i}.example.com", "198.51.100.1");
        var outcome = await CheckAsync(dns, "192.0.2.1");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("explained", outcome.Explanation);
    }

    [Fact]
    public async Task Exp_client_data_cannot_put_control_characters_in_the_explanation()
    {
        var dns = Record("v=spf1 -all exp=e.example.com").Txt("e.example.com", "denied %{h}");
        var outcome = await CheckAsync(dns, "192.0.2.1", helo: "evil\r\n250 ok.example.org");
        Assert.Equal("denied evil??250 ok.example.org", outcome.Explanation);
    }

    [Theory]
    [InlineData("v=spf1 foo=bar -all")]
    [InlineData("v=spf1 -all moo.cow-far_out=man:dog/cat")]
    [InlineData("v=spf1 -all x=%{d}.%{ir}")]
    [InlineData("v=spf1 -all empty=")]
    [InlineData("v=spf1 mx=example.com -all")] // a well-formed modifier is a modifier, even with a mechanism's name
    public async Task Unknown_modifiers_are_ignored(string record)
    {
        Assert.Equal(SpfResult.Fail, (await CheckAsync(Record(record), "192.0.2.1")).Result);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
