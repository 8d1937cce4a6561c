using System.Diagnostics;
using System.Net;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Spam;

public sealed class EarlyTalkerFixture : SpamFixture
{
    protected override string Extra => "actormta.spam.early-talker.greeting-delay = 1s";
}

/// <summary>The pregreet test: with a greeting delay, a client that talks before the 220 is refused and nothing it sent is carried out.</summary>
public sealed class EarlyTalkerTests(EarlyTalkerFixture fixture) : IClassFixture<EarlyTalkerFixture>
{
    [Fact]
    public async Task A_client_writing_before_the_greeting_gets_554_and_nothing_is_accepted()
    {
        await using var connection = await TextConnection.ConnectAsync(fixture.Server.Ports.Smtp, localAddress: IPAddress.Parse("127.0.0.5"));
        // A bot does not wait for the 220.
        await connection.WriteLineAsync("EHLO mx.pass.test");
        var greeting = await connection.ReadLineAsync();
        Assert.StartsWith("554 5.7.1", greeting);
        Assert.StartsWith("503 5.5.1", await connection.ReadLineAsync());
        // RFC 5321 section 3.1: every command but QUIT gets 503, so no transaction can start.
        foreach (var command in new[] { "MAIL FROM:<talker@pass.test>", $"RCPT TO:<{SpamFixture.User.Address}>", "DATA" })
        {
            await connection.WriteLineAsync(command);
            Assert.StartsWith("503 5.5.1", await connection.ReadLineAsync());
        }
        await connection.WriteLineAsync("QUIT");
        Assert.StartsWith("221", await connection.ReadLineAsync());
        Assert.True(await connection.IsClosedByPeerAsync());
        Assert.DoesNotContain(await fixture.FolderAsync("INBOX"), m => m.Subject == "early-talker");
    }

    [Fact]
    public async Task A_client_that_waits_is_greeted_after_the_delay_and_served()
    {
        var clock = Stopwatch.StartNew();
        await using var smtp = await SmtpConversation.OpenAsync(fixture.Server.Ports.Smtp, localAddress: IPAddress.Parse("127.0.0.5"));
        Assert.Equal(220, smtp.Greeting.Code);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"greeted after {clock.Elapsed}");
        SmtpConversation.Expect(await smtp.CommandAsync("EHLO mx.pass.test"), 250);
        var reply = await smtp.SendMessageAsync("patient@pass.test", [SpamFixture.User.Address],
            SpamZone.Bytes(SpamZone.Message("patient@pass.test", SpamFixture.User.Address, "patient-client")));
        Assert.Equal(250, reply.Code);
    }
}
