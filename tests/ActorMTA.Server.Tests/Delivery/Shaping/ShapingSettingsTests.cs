using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class ShapingSettingsTests
{
    private static ShapingSettings Read(string? overrides = null) => ShapingSettings.FromConfig(NodeConfig.ActorMta(overrides));

    [Fact]
    public void The_shipped_configuration_gives_the_documented_default_and_providers()
    {
        var s = Read();

        Assert.Equal(new ShapingEntry(10, 0, 100, ShapingRate.Parse("100/s", "k"), ShapingRate.Parse("100/min", "k"), TimeSpan.FromSeconds(2), StartTlsMode.Opportunistic), s.Default);
        Assert.Equal(["gmail", "outlook", "office365", "yahoo", "apple", "gmx-webde", "mailru", "yandex", "comcast", "orange"], s.Providers.Select(p => p.Name));
        var gmail = s.Provider("gmail")!;
        Assert.Equal([".google.com", ".googlemail.com"], gmail.Match);
        Assert.Equal(new ShapingEntry(ProviderConnectionLimit: 5, MessagesPerConnection: 50, Tls: StartTlsMode.Required), gmail.Entry);
        Assert.Empty(s.Domains);
        Assert.Equal(["yahoo-ts01", "yahoo-ts02", "yahoo-ts03", "yahoo-ts04", "gmail-4.7.28", "gmail-4.7.0-rate-limited"], s.Automation.Rules.Select(r => r.Name));
    }

    [Fact]
    public void An_overlay_adds_keys_to_a_shipped_provider_and_an_empty_match_switches_one_off()
    {
        var s = Read("""
            actormta.shaping.providers {
              gmail { message-rate = "20/s" }
              orange { match = [] }
              acme { match = [".MX.Acme.example."], connection-limit = 2 }
            }
            """);

        var gmail = s.Provider("gmail")!;
        Assert.Equal(ShapingRate.Parse("20/s", "k"), gmail.Entry.MessageRate);
        Assert.Equal(5, gmail.Entry.ProviderConnectionLimit);
        Assert.Null(s.Provider("orange"));
        Assert.Null(new ShapingResolver(s).ProviderFor(["smtp-in.orange.fr"]));
        Assert.Equal([".mx.acme.example"], s.Provider("acme")!.Match);
    }

    [Fact]
    public void Switching_off_a_shipped_provider_leaves_its_shipped_rules_loadable_but_inert()
    {
        var s = Read("actormta.shaping.providers.yahoo.match = []");

        Assert.Null(s.Provider("yahoo"));
        Assert.Contains(s.Automation.Rules, r => r.Name == "yahoo-ts04");
        Assert.Null(new ShapingResolver(s).ProviderFor(["mta5.am0.yahoodns.net"]));
    }

    [Fact]
    public void Domain_entries_are_keyed_by_normalized_domain()
    {
        var s = Read("""actormta.shaping.domains { "Example.COM." { connection-limit = 2, tls = required, idle-timeout = 45s } }""");

        Assert.Equal(new ShapingEntry(ConnectionLimit: 2, IdleTimeout: TimeSpan.FromSeconds(45), Tls: StartTlsMode.Required), s.DomainEntry("example.com"));
        Assert.Same(s.DomainEntry("example.com"), s.DomainEntry("EXAMPLE.com."));
        Assert.Null(s.DomainEntry("other.example"));
    }

    [Fact]
    public void Keys_the_default_leaves_out_come_from_the_built_in_values()
    {
        var s = ShapingSettings.FromConfig(ConfigurationFactory.ParseString("actormta.shaping.default { connection-limit = 3 }"));

        Assert.Equal(ShapingEntry.BuiltIn with { ConnectionLimit = 3 }, s.Default);
        Assert.Empty(s.Providers);
        Assert.Empty(s.Automation.Rules);
    }

    [Fact]
    public void A_default_without_tls_or_idle_timeout_takes_the_delivery_settings_and_one_with_them_keeps_its_own()
    {
        var fromDelivery = ShapingSettings.FromConfig(ConfigurationFactory.ParseString(
            "actormta.delivery { starttls = required, connection-idle-time = 5s }"));
        Assert.Equal((StartTlsMode.Required, TimeSpan.FromSeconds(5)), (fromDelivery.Default.Tls, fromDelivery.Default.IdleTimeout));

        var own = ShapingSettings.FromConfig(ConfigurationFactory.ParseString("""
            actormta.delivery { starttls = required, connection-idle-time = 5s }
            actormta.shaping.default { tls = opportunistic, idle-timeout = 0s }
            """));
        Assert.Equal((StartTlsMode.Opportunistic, TimeSpan.Zero), (own.Default.Tls, own.Default.IdleTimeout));
    }

    [Theory]
    [InlineData("""actormta.shaping.domains { "example.com" { message-rate = "fast" } }""", """actormta.shaping.domains."example.com".message-rate: 'fast' is not a rate""")]
    [InlineData("""actormta.shaping.providers.gmail.connection-rate = "10/fortnight" """, "actormta.shaping.providers.gmail.connection-rate: '10/fortnight' is not a rate")]
    [InlineData("""actormta.shaping.default.connection-limit = 0""", "actormta.shaping.default.connection-limit: '0' must be a whole number of at least 1")]
    [InlineData("""actormta.shaping.default.messages-per-connection = many""", "actormta.shaping.default.messages-per-connection: 'many'")]
    [InlineData("""actormta.shaping.default.provider-connection-limit = -1""", "actormta.shaping.default.provider-connection-limit: '-1'")]
    [InlineData("""actormta.shaping.default.tls = sometimes""", "actormta.shaping.default.tls: unknown mode 'sometimes'")]
    [InlineData("""actormta.shaping.default.idle-timeout = soon""", "actormta.shaping.default.idle-timeout: 'soon' is not a duration")]
    [InlineData("""actormta.shaping.domains { "example.com" { conection-limit = 2 } }""", """actormta.shaping.domains."example.com".conection-limit: unknown key""")]
    [InlineData("""actormta.shaping.providers.acme { match = ["."] }""", "actormta.shaping.providers.acme.match: an empty suffix")]
    public void Bad_values_are_rejected_with_a_message_naming_the_key(string overlay, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(overlay));
        Assert.Contains(expected, e.Message);
    }
}
