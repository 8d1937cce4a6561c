using ActorMTA.Server.Hosting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

/// <summary>What the node reads at start-up (before it binds anything): a bad actormta.shaping or actormta.egress is one ConfigurationException naming the key.</summary>
public sealed class ShapingConfigValidationTests
{
    [Theory]
    [InlineData("actormta.shaping.domian { \"a.test\" { connection-limit = 1 } }", "actormta.shaping.domian: unknown key")]
    [InlineData("actormta.shaping.domains { \"a.test\" { conection-limit = 1 } }", "conection-limit: unknown key")]
    [InlineData("actormta.shaping.default.message-rate = \"fast\"", "actormta.shaping.default.message-rate")]
    [InlineData("actormta.egress.pool { x { default = 1 } }", "actormta.egress.pool: unknown key")]
    [InlineData("actormta.egress.pools { bulk { nosuch = 1 } }", "no such source")]
    public void A_bad_shaping_or_egress_key_is_a_configuration_error_naming_it(string overrides, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => ServerNode.ReadShapingAndEgress(NodeConfig.ActorMta(overrides)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_shipped_configuration_reads_without_error() =>
        Assert.NotEmpty(ServerNode.ReadShapingAndEgress(NodeConfig.ActorMta()).Shaping.Providers);
}
