using System.Net;
using ActorMTA.Server.Http;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Http;

public sealed class HttpSettingsTests
{
    [Fact]
    public void The_shipped_defaults_keep_the_api_off_on_loopback_without_tokens()
    {
        var settings = HttpSettings.FromConfig(NodeConfig.ActorMta(""));
        Assert.False(settings.Enabled);
        Assert.Equal(IPAddress.Loopback, settings.Bind);
        Assert.Equal(8025, settings.Port);
        Assert.Empty(settings.Tokens);
        Assert.Equal(50L * 1024 * 1024, settings.MaxRequestSize);
        Assert.Equal(10_000, settings.MaxRecipients);
        Assert.Equal(32, settings.MaxInFlight);
        Assert.False(settings.Tls);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var settings = HttpSettings.FromConfig(NodeConfig.ActorMta("""
            actormta.http {
              enabled = on, bind = "0.0.0.0", port = 9000, tokens = ["a", "", "b"], max-request-size = 1024,
              max-recipients = 5, max-in-flight = 2, max-concurrent-requests = 3, strict-variables = on, tls = on
            }
            """));
        Assert.Equal(new HttpSettings(true, IPAddress.Any, 9000, settings.Tokens, 1024, 5, 2, 3, true, true), settings);
        // An empty token would let "Authorization: Bearer " in: it is dropped.
        Assert.Equal(["a", "b"], settings.Tokens);
    }

    [Theory]
    [InlineData("max-request-size = 0")]
    [InlineData("max-recipients = 0")]
    [InlineData("max-in-flight = 0")]
    [InlineData("max-concurrent-requests = -1")]
    public void Limits_below_one_refuse_to_start(string line)
    {
        Assert.Throws<ConfigurationException>(() => HttpSettings.FromConfig(NodeConfig.ActorMta("actormta.http." + line)));
    }
}
