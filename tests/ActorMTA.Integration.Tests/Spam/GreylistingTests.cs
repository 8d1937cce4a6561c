using System.Net;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Spam;

public sealed class GreylistingFixture : SpamFixture
{
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    protected override string Extra => """
        actormta.spam.greylisting { enabled = on, delay = 2s, retry-window = 1h, auto-whitelist-after = 2 }
        """;
}

/// <summary>Greylisting over real sockets: 451 4.7.1 first, 451 again too early, 250 after the delay; a network that passed often
/// skips it; all of it kept across a restart. Each test uses its own /24 so their triplets and pass counts are their own.</summary>
public sealed class GreylistingTests(GreylistingFixture fixture) : IClassFixture<GreylistingFixture>
{
    private async Task<SmtpReply> RcptAsync(string client, string sender)
    {
        await using var smtp = await SmtpConversation.OpenAsync(fixture.Server.Ports.Smtp, localAddress: IPAddress.Parse(client));
        SmtpConversation.Expect(await smtp.CommandAsync("EHLO grey.test"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{sender}>"), 250);
        var rcpt = await smtp.CommandAsync($"RCPT TO:<{SpamFixture.User.Address}>");
        if (rcpt.Code == 250)
        {
            SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
            await smtp.Connection.WriteAsync(SmtpConversation.DotStuffed(SpamZone.Bytes(SpamZone.Message(sender, SpamFixture.User.Address, "grey " + sender))));
            SmtpConversation.Expect(await smtp.ReadReplyAsync(), 250);
        }
        await smtp.QuitAsync();
        return rcpt;
    }

    [Fact]
    public async Task First_attempt_and_early_retry_get_451_a_retry_after_the_delay_is_accepted_and_it_survives_a_restart()
    {
        var first = await RcptAsync("127.0.1.5", "first@grey.test");
        Assert.Equal(451, first.Code);
        Assert.Equal("4.7.1", first.EnhancedCode);
        Assert.Equal(451, (await RcptAsync("127.0.1.6", "first@grey.test")).Code);
        await Task.Delay(GreylistingFixture.Delay + TimeSpan.FromMilliseconds(500));
        // Same /24, so the same triplet: the retry may come from another address of the sender's pool.
        Assert.Equal(250, (await RcptAsync("127.0.1.7", "first@grey.test")).Code);
        Assert.Contains(await fixture.FolderAsync("INBOX"), m => m.Subject == "grey first@grey.test");

        await fixture.Server.StopAsync();
        await fixture.Server.RestartAsync();
        // A new triplet of the same network is still greylisted: one pass is not yet a whitelisting.
        Assert.Equal(451, (await RcptAsync("127.0.1.5", "other@grey.test")).Code);
        // The passed triplet was kept across the restart.
        Assert.Equal(250, (await RcptAsync("127.0.1.5", "first@grey.test")).Code);
    }

    [Fact]
    public async Task A_network_is_whitelisted_after_enough_passes()
    {
        foreach (var sender in new[] { "a@grey.test", "b@grey.test" })
        {
            Assert.Equal(451, (await RcptAsync("127.0.2.5", sender)).Code);
        }
        await Task.Delay(GreylistingFixture.Delay + TimeSpan.FromMilliseconds(500));
        Assert.Equal(250, (await RcptAsync("127.0.2.5", "a@grey.test")).Code);
        Assert.Equal(250, (await RcptAsync("127.0.2.5", "b@grey.test")).Code);
        // Two passes: the network skips greylisting now, even for a sender never seen.
        Assert.Equal(250, (await RcptAsync("127.0.2.9", "never-seen@grey.test")).Code);
    }
}
