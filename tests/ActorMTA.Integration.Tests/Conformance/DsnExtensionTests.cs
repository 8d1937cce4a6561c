using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>The DSN extension (RFC 3461) is offered on every SMTP listener, and a bad NOTIFY is a 501.</summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DsnExtensionTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Ehlo_lists_dsn_on_smtp_submission_and_smtps()
    {
        foreach (var (port, implicitTls) in new[] { (Server.Ports.Smtp, false), (Server.Ports.Submission, false), (Server.Ports.Smtps, true) })
        {
            await using var smtp = await SmtpConversation.OpenAsync(port, implicitTls);
            var ehlo = await smtp.CommandAsync("EHLO client.test");
            Assert.True(ehlo.Lines.Contains("DSN"), $"port {port}: {ehlo}");
            await smtp.QuitAsync();
        }
    }

    [Fact]
    public async Task Bogus_notify_gets_501_5_5_4_and_the_session_continues()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org> RET=HDRS ENVID=QQ314159"), 250);
        var bogus = await smtp.CommandAsync($"RCPT TO:<{ConformanceServerFixture.Hops.Address}> NOTIFY=BOGUS");
        Assert.True(bogus.Code == 501 && bogus.EnhancedCode == "5.5.4", $"got {bogus}");
        var good = await smtp.CommandAsync($"RCPT TO:<{ConformanceServerFixture.Hops.Address}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;{ConformanceServerFixture.Hops.Address}");
        Assert.True(good.Code == 250 && good.EnhancedCode == "2.1.5", $"got {good}");
        SmtpConversation.Expect(await smtp.CommandAsync("RSET"), 250);
        await smtp.QuitAsync();
    }
}
