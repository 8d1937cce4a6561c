using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class ShapingResolverTests
{
    private static readonly SiteKey Google = SiteKey.From(["aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com"]);

    private static ShapingResolver Shipped(string? overrides = null) => new(ShapingSettings.FromConfig(NodeConfig.ActorMta(overrides)));

    private static ShapingResolver Only(params string[] providers) =>
        new(ShapingSettings.FromConfig(ConfigurationFactory.ParseString($"actormta.shaping.providers {{\n{string.Join('\n', providers)}\n}}")));

    [Fact]
    public void Each_limit_comes_from_the_domain_entry_else_the_provider_else_the_default_and_says_which()
    {
        var resolver = Shipped("""actormta.shaping.domains { "customer.example" { messages-per-connection = 10, message-rate = "5/s" } }""");

        var e = resolver.Resolve("Customer.Example.", Google, "a");

        Assert.Equal(("customer.example", Google, "gmail", "a"), (e.Domain, e.Site, e.Provider, e.Source));
        Assert.Equal(new Sourced<int>(10, ShapingOrigin.Domain), e.MessagesPerConnection);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(5, TimeSpan.FromSeconds(1)), ShapingOrigin.Domain), e.MessageRate);
        Assert.Equal(new Sourced<int>(5, ShapingOrigin.Provider), e.ProviderConnectionLimit);
        Assert.Equal(new Sourced<StartTlsMode>(StartTlsMode.Required, ShapingOrigin.Provider), e.Tls);
        Assert.Equal(new Sourced<int>(10, ShapingOrigin.Default), e.ConnectionLimit);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(100, TimeSpan.FromMinutes(1)), ShapingOrigin.Default), e.ConnectionRate);
        Assert.Equal(new Sourced<TimeSpan>(TimeSpan.FromSeconds(2), ShapingOrigin.Default), e.IdleTimeout);
        Assert.False(e.Suspended);

        // Another Workspace domain on the same MX set gets the provider's values, not customer.example's.
        var other = resolver.Resolve("other.example", Google, "a");
        Assert.Equal(new Sourced<int>(50, ShapingOrigin.Provider), other.MessagesPerConnection);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(100, TimeSpan.FromSeconds(1)), ShapingOrigin.Default), other.MessageRate);
    }

    [Fact]
    public void A_domain_entry_can_lift_a_provider_limit_with_unlimited()
    {
        var resolver = Shipped("""
            actormta.shaping.providers.gmail.message-rate = "10/s"
            actormta.shaping.domains { "partner.example" { message-rate = unlimited, provider-connection-limit = unlimited } }
            """);

        var e = resolver.Resolve("partner.example", Google, "a");
        Assert.Equal(new Sourced<ShapingRate>(ShapingRate.Unlimited, ShapingOrigin.Domain), e.MessageRate);
        Assert.Equal(new Sourced<int>(0, ShapingOrigin.Domain), e.ProviderConnectionLimit);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(10, TimeSpan.FromSeconds(1)), ShapingOrigin.Provider), resolver.Resolve("x.example", Google, "a").MessageRate);
    }

    [Fact]
    public void A_site_of_no_provider_takes_the_default()
    {
        var e = Shipped().Resolve("small.example", ["mx.small.example"], "default");

        Assert.Null(e.Provider);
        Assert.Equal(SiteKey.From(["mx.small.example"]), e.Site);
        Assert.All([e.ConnectionLimit.Origin, e.ProviderConnectionLimit.Origin, e.MessagesPerConnection.Origin, e.MessageRate.Origin,
            e.ConnectionRate.Origin, e.IdleTimeout.Origin, e.Tls.Origin], o => Assert.Equal(ShapingOrigin.Default, o));
        Assert.Contains("provider                   (none)", e.Describe());
        Assert.Contains("message-rate               100/s (default)", e.Describe());
    }

    [Theory]
    [InlineData("aspmx.l.google.com", "gmail")]
    [InlineData("GOOGLE.COM.", "gmail")]
    [InlineData("gmail-smtp-in.l.google.com", "gmail")]
    [InlineData("mx1.googlemail.com", "gmail")]
    [InlineData("notgoogle.com", null)]
    [InlineData("google.com.evil.example", null)]
    [InlineData("hotmail-com.olc.protection.outlook.com", "outlook")]
    [InlineData("contoso-com.mail.protection.outlook.com", "office365")]
    [InlineData("mta5.am0.yahoodns.net", "yahoo")]
    [InlineData("mx01.mail.icloud.com", "apple")]
    [InlineData("mx-ha03.web.de", "gmx-webde")]
    [InlineData("mxs.mail.ru", "mailru")]
    [InlineData("mx.yandex.net", "yandex")]
    [InlineData("mx1h1.comcast.net", "comcast")]
    [InlineData("smtp-in.orange.fr", "orange")]
    public void Shipped_providers_match_their_mx_hosts_by_suffix(string host, string? provider)
    {
        Assert.Equal(provider, Shipped().ProviderFor([host])?.Name);
    }

    [Fact]
    public void The_provider_matched_by_most_hosts_wins()
    {
        var resolver = Only("""a { match = [".a.example"] }""", """b { match = [".b.example"] }""");

        Assert.Equal("b", resolver.ProviderFor(["mx1.a.example", "mx1.b.example", "mx2.b.example", "mx.other.example"])!.Name);
        Assert.Equal("a", resolver.ProviderFor(["mx1.a.example", "mx2.a.example", "mx1.b.example"])!.Name);
        // The same host listed twice is one host.
        Assert.Equal("b", resolver.ProviderFor(["mx1.a.example", "MX1.a.example.", "mx1.b.example", "mx2.b.example"])!.Name);
    }

    [Fact]
    public void A_tie_goes_to_the_provider_listed_first()
    {
        string[] hosts = ["mx.a.example", "mx.b.example"];

        Assert.Equal("a", Only("""a { match = [".a.example"] }""", """b { match = [".b.example"] }""").ProviderFor(hosts)!.Name);
        Assert.Equal("b", Only("""b { match = [".b.example"] }""", """a { match = [".a.example"] }""").ProviderFor(hosts)!.Name);
    }

    [Fact]
    public void A_host_counts_for_its_longest_matching_suffix_so_a_specific_rule_beats_a_catch_all_listed_before_it()
    {
        var resolver = Only("""microsoft { match = [".outlook.com"] }""", """m365 { match = [".mail.protection.outlook.com"] }""");

        Assert.Equal("m365", resolver.ProviderFor(["contoso-com.mail.protection.outlook.com"])!.Name);
        Assert.Equal("microsoft", resolver.ProviderFor(["hotmail-com.olc.protection.outlook.com"])!.Name);
    }
}
