using ActorMTA.Server.Checks.Dmarc;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dmarc;

public sealed class PublicSuffixListTests
{
    // The Debian file is a snapshot of the list the vectors were written against; the built-in fallback is not.
    private static readonly PublicSuffixList List = PublicSuffixList.Load(PublicSuffixList.DebianPath);

    // publicsuffix.org tests/test_psl.txt (checkPublicSuffix), the cases that do not depend on list churn.
    [Theory]
    [InlineData(null, null)]
    [InlineData("COM", null)]
    [InlineData("example.COM", "example.com")]
    [InlineData("WwW.example.COM", "example.com")]
    [InlineData(".com", null)]
    [InlineData(".example", null)]
    [InlineData(".example.com", null)]
    [InlineData(".example.example", null)]
    [InlineData("example", null)]
    [InlineData("example.example", "example.example")]
    [InlineData("b.example.example", "example.example")]
    [InlineData("a.b.example.example", "example.example")]
    [InlineData("biz", null)]
    [InlineData("domain.biz", "domain.biz")]
    [InlineData("b.domain.biz", "domain.biz")]
    [InlineData("a.b.domain.biz", "domain.biz")]
    [InlineData("com", null)]
    [InlineData("example.com", "example.com")]
    [InlineData("b.example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("uk.com", null)]
    [InlineData("example.uk.com", "example.uk.com")]
    [InlineData("b.example.uk.com", "example.uk.com")]
    [InlineData("a.b.example.uk.com", "example.uk.com")]
    [InlineData("test.ac", "test.ac")]
    [InlineData("mm", null)]
    [InlineData("c.mm", null)]
    [InlineData("b.c.mm", "b.c.mm")]
    [InlineData("a.b.c.mm", "b.c.mm")]
    [InlineData("jp", null)]
    [InlineData("test.jp", "test.jp")]
    [InlineData("www.test.jp", "test.jp")]
    [InlineData("ac.jp", null)]
    [InlineData("test.ac.jp", "test.ac.jp")]
    [InlineData("www.test.ac.jp", "test.ac.jp")]
    [InlineData("kyoto.jp", null)]
    [InlineData("test.kyoto.jp", "test.kyoto.jp")]
    [InlineData("ide.kyoto.jp", null)]
    [InlineData("b.ide.kyoto.jp", "b.ide.kyoto.jp")]
    [InlineData("a.b.ide.kyoto.jp", "b.ide.kyoto.jp")]
    [InlineData("c.kobe.jp", null)]
    [InlineData("b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("a.b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("city.kobe.jp", "city.kobe.jp")]
    [InlineData("www.city.kobe.jp", "city.kobe.jp")]
    [InlineData("ck", null)]
    [InlineData("test.ck", null)]
    [InlineData("b.test.ck", "b.test.ck")]
    [InlineData("a.b.test.ck", "b.test.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("www.www.ck", "www.ck")]
    [InlineData("us", null)]
    [InlineData("test.us", "test.us")]
    [InlineData("www.test.us", "test.us")]
    [InlineData("ak.us", null)]
    [InlineData("test.ak.us", "test.ak.us")]
    [InlineData("www.test.ak.us", "test.ak.us")]
    [InlineData("k12.ak.us", null)]
    [InlineData("test.k12.ak.us", "test.k12.ak.us")]
    [InlineData("www.test.k12.ak.us", "test.k12.ak.us")]
    [InlineData("xn--85x722f.com.cn", "xn--85x722f.com.cn")]
    [InlineData("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn")]
    [InlineData("xn--55qx5d.cn", null)]
    [InlineData("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")]
    [InlineData("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")]
    [InlineData("shishi.xn--fiqs8s", "shishi.xn--fiqs8s")]
    [InlineData("xn--fiqs8s", null)]
    public void Registrable_domain_matches_the_psl_test_vectors(string? domain, string? expected) =>
        Assert.Equal(expected, List.RegistrableDomain(domain));

    [Theory]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("com", "com")]
    [InlineData("www.city.kobe.jp", "city.kobe.jp")]
    public void Organizational_domain_is_the_registrable_domain_or_the_name_itself(string domain, string expected) =>
        Assert.Equal(expected, List.OrganizationalDomain(domain));

    [Fact]
    public void Rules_in_unicode_are_matched_as_a_labels()
    {
        var list = PublicSuffixList.Parse(["公司.cn", "cn"]);
        Assert.Equal("xn--55qx5d.cn", list.PublicSuffix("shop.xn--55qx5d.cn"));
        Assert.Equal("shop.xn--55qx5d.cn", list.RegistrableDomain("a.shop.xn--55qx5d.cn"));
    }

    [Fact]
    public void Wildcards_exceptions_and_comments_in_a_small_list()
    {
        var list = PublicSuffixList.Parse(["// comment", "", "jp", "*.kobe.jp", "!city.kobe.jp  trailing text"]);
        Assert.Null(list.RegistrableDomain("c.kobe.jp"));
        Assert.Equal("b.c.kobe.jp", list.RegistrableDomain("a.b.c.kobe.jp"));
        Assert.Equal("city.kobe.jp", list.RegistrableDomain("www.city.kobe.jp"));
        // The implicit "*" rule: unknown TLDs are one-label suffixes.
        Assert.Equal("example.zz", list.RegistrableDomain("www.example.zz"));
    }

    [Fact]
    public void Default_loads_the_debian_file()
    {
        Assert.True(PublicSuffixList.Default.Count > 5000);
        Assert.Equal("example.co.uk", PublicSuffixList.Default.OrganizationalDomain("mail.example.co.uk"));
    }
}
