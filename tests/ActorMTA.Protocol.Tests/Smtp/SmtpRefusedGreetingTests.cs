using System.Text;
using ActorMTA.Protocol.Smtp;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

/// <summary>RFC 5321 section 3.1: after a 554 greeting the server waits for QUIT and answers everything else with 503.</summary>
public sealed class SmtpRefusedGreetingTests
{
    private static SmtpServerEngine Refused(out string greeting, int hardErrorLimit = 20)
    {
        var engine = new SmtpServerEngine(SmtpTestSession.Options() with { HardErrorLimit = hardErrorLimit });
        greeting = SmtpTestSession.Wire(engine.StartRefused(new SmtpReply(554, "5.7.1", "Protocol error: talking before the greeting")));
        return engine;
    }

    private static string Send(SmtpServerEngine engine, string line) => SmtpTestSession.Wire(engine.OnLine(Encoding.ASCII.GetBytes(line)));

    [Fact]
    public void The_greeting_is_the_554_and_every_command_but_quit_gets_503()
    {
        var engine = Refused(out var greeting);
        Assert.Equal("554 5.7.1 Protocol error: talking before the greeting", greeting);
        foreach (var command in new[] { "EHLO client.example.org", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.com>", "DATA", "NOOP" })
        {
            var step = engine.OnLine(Encoding.ASCII.GetBytes(command));
            Assert.StartsWith("503 5.5.1", SmtpTestSession.Wire(step));
            // Nothing is ever asked of the session: no recipient check, no data.
            Assert.Null(step.Effect);
        }
        var quit = engine.OnLine("QUIT"u8);
        Assert.StartsWith("221 2.0.0", SmtpTestSession.Wire(quit));
        Assert.IsType<SmtpEffect.Close>(quit.Effect);
    }

    [Fact]
    public void A_client_that_keeps_talking_meets_the_hard_error_limit()
    {
        var engine = Refused(out _, hardErrorLimit: 3);
        Send(engine, "EHLO a");
        Send(engine, "EHLO a");
        var third = engine.OnLine("EHLO a"u8);
        Assert.Contains("421 4.7.0", SmtpTestSession.Wire(third));
        Assert.IsType<SmtpEffect.Close>(third.Effect);
    }

    [Fact]
    public void Only_a_554_may_refuse_the_connection()
    {
        var engine = new SmtpServerEngine(SmtpTestSession.Options());
        Assert.Throws<ArgumentException>(() => engine.StartRefused(new SmtpReply(550, "5.7.1", "no")));
    }
}
