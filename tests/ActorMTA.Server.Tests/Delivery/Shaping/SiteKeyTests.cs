using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class SiteKeyTests
{
    [Fact]
    public void The_key_is_the_sorted_lower_case_set_of_names_without_trailing_dots()
    {
        var key = SiteKey.From(["ASPMX.L.Google.com.", "alt1.aspmx.l.google.com", "aspmx.l.google.com"]);

        Assert.Equal("alt1.aspmx.l.google.com,aspmx.l.google.com", key.Name);
        Assert.Equal(["alt1.aspmx.l.google.com", "aspmx.l.google.com"], key.Hosts);
    }

    [Fact]
    public void The_same_set_gives_the_same_key_whatever_the_order_or_preference()
    {
        var a = SiteKey.From([new MxHost("mx2.example.net", 20, []), new MxHost("mx1.example.net", 10, [])]);
        var b = SiteKey.From([new MxHost("MX1.example.net.", 5, []), new MxHost("mx2.example.net", 5, [])]);

        Assert.Equal(a, b);
        Assert.Equal("mx1.example.net,mx2.example.net", a.ToString());
        Assert.NotEqual(a, SiteKey.From(["mx1.example.net"]));
    }

    [Fact]
    public void An_implicit_mx_is_a_site_of_one_host_and_parse_reads_a_printed_key_back()
    {
        Assert.Equal("example.org", SiteKey.From(["example.org."]).Name);
        Assert.Equal(SiteKey.From(["b.example", "a.example"]), SiteKey.Parse(" B.example , a.example "));
    }

    [Fact]
    public void A_set_without_names_has_no_site()
    {
        Assert.Throws<ArgumentException>(() => SiteKey.From(Array.Empty<string>()));
        Assert.Throws<ArgumentException>(() => SiteKey.From([" ", "."]));
    }
}
