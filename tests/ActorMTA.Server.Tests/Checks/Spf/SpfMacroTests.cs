using System.Net;
using ActorMTA.Server.Checks.Spf;
using Xunit;
using static ActorMTA.Server.Tests.Checks.Spf.SpfTesting;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>Macros of RFC 7208 section 7, with the examples of section 7.4.</summary>
public class SpfMacroTests
{
    // Section 7.4: sender strong-bad@email.example.com, client 192.0.2.3 or 2001:db8::cb01.
    private static SpfMacroContext Context(string ip = "192.0.2.3") => new()
    {
        Sender = "strong-bad@email.example.com",
        LocalPart = "strong-bad",
        SenderDomain = "email.example.com",
        Domain = "email.example.com",
        Ip = IPAddress.Parse(ip),
        Helo = "mx.example.org",
        Receiver = "receiver.example.net",
        Now = DateTimeOffset.FromUnixTimeSeconds(1_234_567_890),
        ValidatedName = _ => Task.FromResult("mx.example.org"),
    };

    private static async Task<string> ExpandAsync(string text, bool explanation = false, string ip = "192.0.2.3")
    {
        Assert.True(SpfMacroString.TryParse(text, explanation, out var macro, out var error), error);
        return await macro!.ExpandAsync(Context(ip), CancellationToken.None);
    }

    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    public async Task Section_7_4_single_macros(string macro, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(macro));
    }

    [Theory]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    public async Task Section_7_4_macro_strings(string text, string expected)
    {
        Assert.True(SpfMacroString.TryParseDomainSpec(text, out var macro, out var error), error);
        Assert.Equal(expected, await macro!.ExpandAsync(Context(), CancellationToken.None));
    }

    [Fact]
    public async Task Section_7_4_ipv6()
    {
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
            await ExpandAsync("%{ir}.%{v}._spf.%{d2}", ip: "2001:db8::cb01"));
    }

    [Theory]
    [InlineData("%{i}", "192.0.2.3", "192.0.2.3")]
    [InlineData("%{i}", "2001:db8::cb01", "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1")]
    [InlineData("%{v}", "192.0.2.3", "in-addr")]
    [InlineData("%{v}", "2001:db8::cb01", "ip6")]
    [InlineData("%{i2}", "192.0.2.3", "2.3")]
    [InlineData("%{i4}", "2001:db8::cb01", "c.b.0.1")]
    [InlineData("%{i4r}", "2001:db8::cb01", "1.0.0.2")] // reversed first, then the right-hand four
    public async Task Ip_letters(string text, string ip, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(text, ip: ip));
    }

    [Theory]
    [InlineData("%{h}", "mx.example.org")]
    [InlineData("%{p}", "mx.example.org")]
    [InlineData("%{p2}", "example.org")]
    [InlineData("%{o1}", "com")]
    [InlineData("%{s2}", "example.com")]
    [InlineData("%{d9}", "email.example.com")]      // more parts asked for than there are: all
    [InlineData("%{d128}", "email.example.com")]
    [InlineData("%{d99999999999}", "email.example.com")]
    [InlineData("%{l-.}", "strong.bad")]
    [InlineData("%{s=}", "strong-bad@email.example.com")]
    public async Task Other_letters_and_transformers(string text, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(text));
    }

    [Theory]
    [InlineData("%{c}", "192.0.2.3", "192.0.2.3")]
    [InlineData("%{c}", "2001:db8::cb01", "2001:db8::cb01")] // readable form, not nibbles
    [InlineData("%{r}", "192.0.2.3", "receiver.example.net")]
    [InlineData("%{t}", "192.0.2.3", "1234567890")]
    [InlineData("%{c} %{r} %{t}", "192.0.2.3", "192.0.2.3 receiver.example.net 1234567890")]
    public async Task Explanation_only_letters(string text, string ip, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(text, explanation: true, ip: ip));
    }

    [Theory]
    [InlineData("%{c}")]
    [InlineData("%{r}")]
    [InlineData("%{t}")]
    [InlineData("%{C}")]
    [InlineData("a b")] // spaces only in explanations
    public void Explanation_only_letters_and_spaces_are_rejected_elsewhere(string text)
    {
        Assert.False(SpfMacroString.TryParse(text, explanation: false, out _, out var error));
        Assert.NotNull(error);
        Assert.True(SpfMacroString.TryParse(text, explanation: true, out _, out _));
    }

    [Theory]
    [InlineData("%%", "%")]
    [InlineData("%_", " ")]
    [InlineData("%-", "%20")]
    [InlineData("a%%b%_c%-d", "a%b c%20d")]
    public async Task Escapes(string text, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(text));
    }

    [Theory]
    [InlineData("%{S}", "strong-bad%40email.example.com")]
    [InlineData("%{L}", "strong-bad")]
    [InlineData("%{D2}", "example.com")]
    public async Task Uppercase_letters_are_url_escaped(string text, string expected)
    {
        Assert.Equal(expected, await ExpandAsync(text));
    }

    [Fact]
    public async Task Uppercase_escapes_reserved_characters_of_the_local_part()
    {
        Assert.True(SpfMacroString.TryParse("%{L}", false, out var macro, out _));
        var context = Context() with { LocalPart = "a b/c+d=e?" };
        Assert.Equal("a%20b%2Fc%2Bd%3De%3F", await macro!.ExpandAsync(context, CancellationToken.None));
    }

    [Theory]
    [InlineData("%{x}")]
    [InlineData("%{d0}")]
    [InlineData("%{d")]
    [InlineData("%{}")]
    [InlineData("%{dr2}")]
    [InlineData("%{d2r:}")]
    [InlineData("%")]
    [InlineData("%x")]
    [InlineData("%{1}")]
    public void Malformed_macros_are_syntax_errors(string text)
    {
        Assert.False(SpfMacroString.TryParse(text, explanation: true, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public async Task P_without_a_resolver_is_unknown()
    {
        Assert.True(SpfMacroString.TryParse("%{p}", false, out var macro, out _));
        Assert.Equal("unknown", await macro!.ExpandAsync(Context() with { ValidatedName = null }, CancellationToken.None));
    }

    // Through the evaluator: the DNS questions show what the macros became.

    [Fact]
    public async Task Evaluator_expands_the_7_4_example_into_the_exists_query()
    {
        var dns = new TableCheckDns().Txt("email.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all")
            .Address("3.2.0.192.in-addr._spf.example.com", "127.0.0.2");
        var outcome = await CheckAsync(dns, "192.0.2.3", "email.example.com", "strong-bad@email.example.com");
        Assert.Equal(SpfResult.Pass, outcome.Result);
        Assert.Contains("A 3.2.0.192.in-addr._spf.example.com", dns.Questions);
    }

    [Fact]
    public async Task Evaluator_p_is_a_validated_name_preferring_the_domain()
    {
        var dns = new TableCheckDns().Txt("example.com", "v=spf1 exists:%{p}.names.example.net -all")
            .Ptr("192.0.2.5", "other.example.org", "host.example.com", "fake.example.com")
            .Address("other.example.org", "192.0.2.5")
            .Address("host.example.com", "192.0.2.5")
            .Address("fake.example.com", "192.0.2.99")
            .Address("host.example.com.names.example.net", "127.0.0.2");
        var outcome = await CheckAsync(dns, "192.0.2.5");
        Assert.Equal(SpfResult.Pass, outcome.Result);
    }

    [Fact]
    public async Task Evaluator_p_is_unknown_when_no_name_validates()
    {
        var dns = new TableCheckDns().Txt("example.com", "v=spf1 exists:%{p}.names.example.net -all")
            .Ptr("192.0.2.5", "fake.example.com")
            .Address("fake.example.com", "192.0.2.99")
            .Address("unknown.names.example.net", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.5")).Result);
    }

    [Fact]
    public async Task Evaluator_h_is_the_helo_name()
    {
        var dns = new TableCheckDns().Txt("example.com", "v=spf1 exists:%{h}.helo.example.net -all")
            .Address("client.example.org.helo.example.net", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.5", helo: "client.example.org")).Result);
    }

    [Fact]
    public async Task Evaluator_without_local_part_uses_postmaster()
    {
        var dns = new TableCheckDns().Txt("example.com", "v=spf1 exists:%{l}.%{s}.users.example.net -all")
            .Address("postmaster.postmaster@example.com.users.example.net", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.5", sender: "@example.com")).Result);
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns, "192.0.2.5", sender: "example.com")).Result);
    }

    [Fact]
    public async Task Evaluator_truncates_a_long_expansion_from_the_left()
    {
        var local = string.Join('.', Enumerable.Repeat(new string('x', 60), 5)); // 304 characters
        var dns = new TableCheckDns().Txt("example.com", "v=spf1 exists:%{l}._spf.example.com -all");
        await CheckAsync(dns, "192.0.2.5", sender: local + "@example.com");
        var asked = dns.Questions.Single(q => q.EndsWith("._spf.example.com"))[2..];
        Assert.True(asked.Length <= 253, asked);
        Assert.EndsWith(new string('x', 60) + "._spf.example.com", asked);
        Assert.StartsWith("x", asked);
    }
}
