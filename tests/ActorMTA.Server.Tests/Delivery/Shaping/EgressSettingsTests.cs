using System.Net;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class EgressSettingsTests
{
    private const string Configured = """
        actormta.hostname = "mx.here.example"
        actormta.egress {
          sources {
            a { bind = "127.0.0.2", ehlo = "mta-a.example" }
            b { bind = "127.0.0.3" }
            c { bind = "::1", ehlo = "mta-c.example" }
          }
          pools {
            bulk { a = 3, b = 1 }
            mixed { a = 5, b = 3, c = 2 }
          }
          sender-pools { "news.example.com" = bulk, "Example.org" = mixed }
        }
        """;

    private static EgressSettings Read(string? overrides = null) => EgressSettings.FromConfig(NodeConfig.ActorMta(overrides));

    [Fact]
    public void Without_configuration_there_is_a_default_pool_of_the_default_source()
    {
        var s = Read("""actormta.delivery.helo-name = "out.here.example" """);

        var source = Assert.Single(s.Sources.Values);
        Assert.Equal(new EgressSource("default", null, "out.here.example"), source);
        Assert.Equal("default", s.DefaultPool.Name);
        Assert.Equal([(source, 1)], s.DefaultPool.Members);
        Assert.Equal(new PoolChoice(s.DefaultPool, "default pool (no pool requested, no sender-pools rule)"), s.SelectPool(null, null, "anyone.example"));
    }

    [Fact]
    public void Sources_and_pools_are_read_with_their_weights()
    {
        var s = Read(Configured);

        Assert.Equal(new EgressSource("a", IPAddress.Parse("127.0.0.2"), "mta-a.example"), s.Sources["a"]);
        Assert.Equal(new EgressSource("b", IPAddress.Parse("127.0.0.3"), "mx.here.example"), s.Sources["b"]);
        Assert.Equal(IPAddress.IPv6Loopback, s.Sources["c"].Bind);
        Assert.Equal([("a", 5), ("b", 3), ("c", 2)], s.Pools["mixed"].Members.Select(m => (m.Source.Name, m.Weight)));
        Assert.Equal("default", s.DefaultPool.Name);
    }

    [Fact]
    public void A_pool_rotation_splits_2000_picks_3_to_1()
    {
        var rotation = Read(Configured).Pools["bulk"].Rotation();

        var counts = Enumerable.Range(0, 2000).Select(_ => rotation.Next().Name).CountBy(n => n).ToDictionary();

        Assert.Equal(1500, counts["a"]);
        Assert.Equal(500, counts["b"]);
    }

    [Fact]
    public void The_requested_pool_wins_over_the_header_and_the_header_over_the_sender_rule()
    {
        var s = Read(Configured);

        Assert.Equal(("mixed", "requested: mixed"), Pick(s.SelectPool("mixed", "bulk", "news.example.com")));
        Assert.Equal(("bulk", "X-ActorMTA-Pool header: bulk"), Pick(s.SelectPool(null, " BULK ", "example.org")));
        Assert.Equal(("bulk", "X-ActorMTA-Pool header: bulk"), Pick(s.SelectPool("  ", "bulk", "example.org")));
        Assert.Equal(("bulk", "sender-pools rule \"news.example.com\" for sender domain news.example.com"), Pick(s.SelectPool(null, null, "News.Example.com.")));
        Assert.Equal(("default", "default pool (no pool requested, no sender-pools rule)"), Pick(s.SelectPool(null, null, "example.com")));
        Assert.Equal(("default", "default pool (no pool requested, no sender-pools rule)"), Pick(s.SelectPool(null, null, null)));
    }

    [Fact]
    public void A_sender_rule_covers_subdomains_and_the_nearest_rule_wins()
    {
        var s = Read(Configured + """
            actormta.egress.sender-pools { "example.com" = mixed }
            """);

        Assert.Equal(("mixed", "sender-pools rule \"example.org\" for sender domain lists.example.org"), Pick(s.SelectPool(null, null, "lists.example.org")));
        Assert.Equal("bulk", s.SelectPool(null, null, "a.news.example.com").Pool.Name);
        Assert.Equal("mixed", s.SelectPool(null, null, "shop.example.com").Pool.Name);
    }

    [Fact]
    public void An_unknown_pool_gets_the_default_pool_and_a_reason_naming_it()
    {
        var s = Read(Configured);

        Assert.Equal(("default", "requested names unknown pool 'nope'; default pool used"), Pick(s.SelectPool("nope", "bulk", "news.example.com")));
        Assert.Equal(("default", "X-ActorMTA-Pool header names unknown pool 'nope'; default pool used"), Pick(s.SelectPool(null, "nope", "news.example.com")));
    }

    [Fact]
    public void An_operator_may_redefine_the_default_pool()
    {
        var s = Read(Configured + "\nactormta.egress.pools.default { a = 1, b = 1 }");

        Assert.Equal(["a", "b"], s.DefaultPool.Members.Select(m => m.Source.Name));
    }

    [Theory]
    [InlineData("actormta.egress.sources.x { bind = \"not-an-ip\" }", "actormta.egress.sources.x.bind: 'not-an-ip' is not an IP address")]
    [InlineData("actormta.egress.sources.x { adress = \"127.0.0.2\" }", "actormta.egress.sources.x.adress: unknown key")]
    [InlineData("actormta.egress.pools.p { ghost = 1 }", "actormta.egress.pools.p.ghost: no such source")]
    [InlineData("actormta.egress.pools.p { default = -2 }", "actormta.egress.pools.p.default: weight '-2'")]
    [InlineData("actormta.egress.pools.p { default = 0 }", "actormta.egress.pools.p: needs at least one source of positive weight")]
    [InlineData("actormta.egress.sender-pools { \"a.example\" = ghost }", "actormta.egress.sender-pools.\"a.example\": no such pool 'ghost'")]
    public void Bad_egress_configuration_is_rejected_naming_the_key(string overlay, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(overlay));
        Assert.Contains(expected, e.Message);
    }

    private static (string Pool, string Reason) Pick(PoolChoice choice) => (choice.Pool.Name, choice.Reason);
}
