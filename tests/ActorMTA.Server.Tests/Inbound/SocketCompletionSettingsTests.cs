using ActorMTA.Server.Hosting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Inbound;

/// <summary>
/// actormta.io.inline-socket-completions and actormta.admin.token: inline completions stay on for the embedded
/// backend and go off for postgresql (whose blocking calls would deadlock an epoll thread); a short token is refused.
/// </summary>
public sealed class SocketCompletionSettingsTests
{
    private const string Postgres = """
        actormta.storage.backend = postgresql
        actormta.storage.postgresql.connection-string = "Host=127.0.0.1;Database=x"
        """;

    [Fact]
    public void Auto_is_on_for_the_embedded_backend_and_off_for_postgresql()
    {
        Assert.True(ServerSettings.FromConfig(NodeConfig.ActorMta("")).InlineSocketCompletions);
        Assert.False(ServerSettings.FromConfig(NodeConfig.ActorMta(Postgres)).InlineSocketCompletions);
    }

    [Fact]
    public void Off_is_honoured_and_on_is_refused_with_postgresql()
    {
        Assert.False(ServerSettings.FromConfig(NodeConfig.ActorMta("actormta.io.inline-socket-completions = off")).InlineSocketCompletions);
        Assert.True(ServerSettings.FromConfig(NodeConfig.ActorMta("actormta.io.inline-socket-completions = on")).InlineSocketCompletions);
        var error = Assert.Throws<ConfigurationException>(() =>
            ServerSettings.FromConfig(NodeConfig.ActorMta(Postgres + "\nactormta.io.inline-socket-completions = on")));
        Assert.Contains("postgresql", error.Message);
        Assert.Throws<ConfigurationException>(() => ServerSettings.FromConfig(NodeConfig.ActorMta("actormta.io.inline-socket-completions = maybe")));
    }

    [Fact]
    public void The_admin_token_is_random_unless_configured_and_a_short_one_is_refused()
    {
        Assert.Equal("", ServerSettings.FromConfig(NodeConfig.ActorMta("")).AdminToken);
        var token = new string('a', 40);
        Assert.Equal(token, ServerSettings.FromConfig(NodeConfig.ActorMta($"actormta.admin.token = \"{token}\"")).AdminToken);
        Assert.Throws<ConfigurationException>(() => ServerSettings.FromConfig(NodeConfig.ActorMta("actormta.admin.token = \"short\"")));
    }
}
