using ActorMTA.Server.Hosting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Inbound;

public sealed class StorageSpaceSettingsTests
{
    [Theory]
    [InlineData("268435456", 268435456L)]
    [InlineData("256MiB", 256L * 1024 * 1024)]
    [InlineData("256 M", 256L * 1024 * 1024)]
    [InlineData("1GiB", 1024L * 1024 * 1024)]
    [InlineData("512KiB", 512L * 1024)]
    [InlineData("0", 0L)]
    public void Sizes_are_read_with_binary_units(string text, long bytes) =>
        Assert.Equal(bytes, StorageSpaceSettings.ParseBytes(text, "min-free-space"));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1MiB")]
    [InlineData("5 parsecs")]
    public void Anything_else_is_a_configuration_error(string text) =>
        Assert.Throws<ConfigurationException>(() => StorageSpaceSettings.ParseBytes(text, "min-free-space"));

    [Fact]
    public void The_defaults_watch_spool_and_journal_with_an_automatic_minimum_and_an_8_MiB_reserve()
    {
        var config = NodeConfig.ActorMta("actormta.data-dir = \"/srv/mail\"");
        var options = StorageSpaceSettings.FromConfig(config, ServerSettings.FromConfig(config));
        Assert.Null(options.MinFreeSpace);
        Assert.Equal(8L * 1024 * 1024, options.ReserveSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SampleInterval);
        Assert.Equal(["/srv/mail/spool", "/srv/mail"], options.Directories);
        Assert.Equal("/srv/mail/reserved-space", options.ReserveFile);
    }
}
