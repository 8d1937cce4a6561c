using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

[Trait("Category", "Integration")]
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Sigterm_tells_an_idle_smtp_session_421_4_3_2_and_exits_0()
    {
        await using var server = await ServerProcess.StartAsync();
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);

        var exit = server.StopAsync(TimeSpan.FromSeconds(40));

        var reply = await smtp.ReadReplyAsync();
        Assert.True(reply.Code == 421 && reply.EnhancedCode == "4.3.2", $"expected 421 4.3.2, got {reply}");
        Assert.True(await smtp.Connection.IsClosedByPeerAsync(), "the session should be closed after 421");
        Assert.Equal(0, await exit);
    }
}
