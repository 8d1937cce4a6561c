using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

/// <summary>smtpd_soft_error_limit / smtpd_hard_error_limit: errors the client causes are counted; past the soft
/// limit replies are marked for delay, the error reaching the hard limit closes with 421 4.7.0.</summary>
public class SmtpErrorLimitTests
{
    private static SmtpTestSession NewSession(int soft = 3, int hard = 5) =>
        new(Options() with { SoftErrorLimit = soft, HardErrorLimit = hard });

    [Fact]
    public void Bad_commands_are_delayed_after_the_soft_limit_and_close_at_the_hard_limit()
    {
        var s = NewSession();
        for (var i = 1; i <= 3; i++)
        {
            var step = s.Send("BOGUS");
            Assert.Equal("500 5.5.2 Error: command not recognized", Wire(step));
            Assert.False(step.Delayed);
        }
        var fourth = s.Send("BOGUS");
        Assert.True(fourth.Delayed);
        Assert.Equal("500 5.5.2 Error: command not recognized", Wire(fourth));
        Assert.Null(fourth.Effect);

        var fifth = s.Send("BOGUS");
        Assert.False(fifth.Delayed);
        Assert.Equal($"500 5.5.2 Error: command not recognized\r\n421 4.7.0 {Host} Error: too many errors, closing connection", Wire(fifth));
        Assert.IsType<SmtpEffect.Close>(fifth.Effect);
        Assert.True(s.Engine.IsClosed);
        Assert.Equal(5, s.Engine.ErrorCount);
    }

    [Fact]
    public void Good_commands_do_not_count_and_are_not_delayed_past_the_soft_limit()
    {
        var s = NewSession();
        for (var i = 0; i < 4; i++) s.Send("BOGUS");
        var noop = s.Send("NOOP");
        Assert.Equal("250 2.0.0 Ok", Wire(noop));
        Assert.False(noop.Delayed);
        Assert.Equal(4, s.Engine.ErrorCount);
    }

    [Fact]
    public void Refused_recipients_count_like_bad_commands()
    {
        var s = NewSession();
        s.Send("EHLO client.example.org");
        s.Send("MAIL FROM:<harvester@example.org>");
        var unknown = RecipientVerdict.Reject(new SmtpReply(550, "5.1.1", "Recipient address rejected: User unknown"));
        for (var i = 1; i <= 4; i++)
        {
            Assert.IsType<SmtpEffect.CheckRecipient>(s.Send($"RCPT TO:<nobody{i}@example.com>").Effect);
            var refused = s.Engine.OnRecipientVerdict(unknown);
            Assert.Equal("550 5.1.1 Recipient address rejected: User unknown", Wire(refused));
            Assert.Equal(i > 3, refused.Delayed);
        }
        s.Send("RCPT TO:<nobody5@example.com>");
        var last = s.Engine.OnRecipientVerdict(unknown);
        Assert.EndsWith("421 4.7.0 " + Host + " Error: too many errors, closing connection", Wire(last));
        Assert.IsType<SmtpEffect.Close>(last.Effect);
    }

    [Fact]
    public void Over_long_lines_and_invalid_utf8_count()
    {
        var s = NewSession(soft: 1, hard: 3);
        Assert.False(s.Engine.OnLineTooLong().Delayed);
        Assert.True(s.Engine.OnLine([0xff, 0xfe]).Delayed);
        Assert.IsType<SmtpEffect.Close>(s.Engine.OnLineTooLong().Effect);
    }

    [Fact]
    public void A_failure_to_store_the_message_is_the_servers_error_and_does_not_count()
    {
        var s = NewSession().WithTransaction();
        s.Send("DATA");
        Assert.IsType<SmtpEffect.CompleteMessage>(s.Engine.OnDataReceived(DataOutcome.Complete).Effect);
        var failed = s.Engine.OnMessageFailed(new SmtpReply(451, "4.3.0", "try again later"));
        Assert.False(failed.Delayed);
        Assert.Equal(0, s.Engine.ErrorCount);
    }
}
