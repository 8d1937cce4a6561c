using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>actormta.smtp.relay-networks: trusted client networks relay without AUTH; everyone else still gets 5.7.1.</summary>
[Trait("Category", "Integration")]
public sealed class RelayNetworkTests
{
    [Fact]
    public async Task A_client_inside_relay_networks_may_send_to_a_remote_domain_without_auth()
    {
        await using var server = await ServerProcess.StartAsync("actormta.smtp.relay-networks = [\"127.0.0.0/8\"]");
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@example.org>")).Code);
        var rcpt = await smtp.CommandAsync("RCPT TO:<someone@remote.example>");
        Assert.Equal(250, rcpt.Code);
        Assert.Equal("2.1.5", rcpt.EnhancedCode);
    }

    [Fact]
    public async Task A_client_outside_relay_networks_is_refused_with_5_7_1()
    {
        await using var server = await ServerProcess.StartAsync("actormta.smtp.relay-networks = [\"10.0.0.0/8\", \"127.0.0.2/32\"]");
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp); // connects from 127.0.0.1
        Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@example.org>")).Code);
        var rcpt = await smtp.CommandAsync("RCPT TO:<someone@remote.example>");
        Assert.Equal(550, rcpt.Code);
        Assert.Equal("5.7.1", rcpt.EnhancedCode);
    }
}
