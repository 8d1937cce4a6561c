using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

/// <summary>The DSN extension (RFC 3461) as the server side sees it: RET/ENVID on MAIL, NOTIFY/ORCPT on RCPT.</summary>
public class SmtpDsnTests
{
    private static SmtpTestSession Greeted()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client.example.org");
        return session;
    }

    private static SmtpTestSession WithMail(string mail = "MAIL FROM:<a@b.org>")
    {
        var session = Greeted();
        Assert.Equal("250 2.1.0 Ok", session.Reply(mail));
        return session;
    }

    /// <summary>RCPT, accepted by the actor, returns the 250 wire text.</summary>
    private static string Rcpt(SmtpTestSession session, string line)
    {
        var step = session.Send(line);
        if (step.Effect is not SmtpEffect.CheckRecipient) return Wire(step);
        return Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept));
    }

    private static SmtpEnvelope Complete(SmtpTestSession session)
    {
        Assert.StartsWith("354", session.Reply("DATA"));
        return Assert.IsType<SmtpEffect.CompleteMessage>(session.Engine.OnDataReceived(DataOutcome.Complete).Effect).Envelope;
    }

    [Fact]
    public void Ehlo_advertises_dsn_and_helo_does_not()
    {
        Assert.Contains("250-DSN\r\n", new SmtpTestSession().Reply("EHLO c"));
        Assert.DoesNotContain("DSN", new SmtpTestSession().Reply("HELO c"));
    }

    [Theory]
    [InlineData("RET=FULL", DsnReturn.Full, null)]
    [InlineData("ret=hdrs", DsnReturn.Headers, null)]
    [InlineData("ENVID=QQ314159", DsnReturn.Unspecified, "QQ314159")]
    [InlineData("ENVID=a+2Bb+3Dc+20d", DsnReturn.Unspecified, "a+b=c d")]
    [InlineData("RET=HDRS ENVID=x", DsnReturn.Headers, "x")]
    public void Mail_dsn_parameters_are_recorded(string parameters, DsnReturn ret, string? envelopeId)
    {
        var session = WithMail($"MAIL FROM:<a@b.org> {parameters}");
        Assert.Equal(new DsnMessageParameters(ret, envelopeId), session.Engine.Dsn);
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<c@d.org>"));
        Assert.Equal(new DsnMessageParameters(ret, envelopeId), Complete(session).Dsn);
    }

    [Fact]
    public void Mail_without_dsn_parameters_has_none_and_rset_forgets_them()
    {
        Assert.Same(DsnMessageParameters.None, WithMail().Engine.Dsn);
        var session = WithMail("MAIL FROM:<a@b.org> RET=FULL");
        session.Send("RSET");
        Assert.Same(DsnMessageParameters.None, session.Engine.Dsn);
    }

    [Fact]
    public void Envid_of_100_characters_is_accepted_and_101_refused()
    {
        Assert.Equal("250 2.1.0 Ok", Greeted().Reply("MAIL FROM:<a@b.org> ENVID=" + new string('e', 100)));
        Assert.Equal("501 5.5.4 Error: bad ENVID parameter", Greeted().Reply("MAIL FROM:<a@b.org> ENVID=" + new string('e', 101)));
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.org> RET=BOTH", "501 5.5.4 Error: bad RET parameter")]
    [InlineData("MAIL FROM:<a@b.org> RET", "501 5.5.4 Error: bad RET parameter")]
    [InlineData("MAIL FROM:<a@b.org> RET=FULL RET=HDRS", "501 5.5.4 Error: duplicate RET parameter")]
    [InlineData("MAIL FROM:<a@b.org> ENVID", "501 5.5.4 Error: bad ENVID parameter")]
    [InlineData("MAIL FROM:<a@b.org> ENVID=a+2", "501 5.5.4 Error: bad ENVID parameter")]
    [InlineData("MAIL FROM:<a@b.org> ENVID=a+2b", "501 5.5.4 Error: bad ENVID parameter")]
    [InlineData("MAIL FROM:<a@b.org> ENVID=a+0D+0AX-Evil:+20yes", "501 5.5.4 Error: bad ENVID parameter")]
    [InlineData("MAIL FROM:<a@b.org> ENVID=x ENVID=y", "501 5.5.4 Error: duplicate ENVID parameter")]
    public void Bad_mail_dsn_parameters_get_501_and_no_transaction(string line, string expected)
    {
        var session = Greeted();
        Assert.Equal(expected, session.Reply(line));
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never, null)]
    [InlineData("NOTIFY=SUCCESS", DsnNotify.Success, null)]
    [InlineData("notify=failure,delay", DsnNotify.Failure | DsnNotify.Delay, null)]
    [InlineData("NOTIFY=DELAY,SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, null)]
    [InlineData("ORCPT=rfc822;bob@example.org", DsnNotify.Unspecified, "rfc822;bob@example.org")]
    [InlineData("ORCPT=rfc822;b+2Bo+3Db@example.org", DsnNotify.Unspecified, "rfc822;b+o=b@example.org")]
    [InlineData("NOTIFY=SUCCESS ORCPT=x-local;+22q+20u+22@h", DsnNotify.Success, "x-local;\"q u\"@h")]
    public void Rcpt_dsn_parameters_are_recorded(string parameters, DsnNotify notify, string? originalRecipient)
    {
        var session = WithMail();
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, $"RCPT TO:<c@d.org> {parameters}"));
        var expected = new DsnRecipientParameters(notify, originalRecipient);
        Assert.Equal([expected], session.Engine.RecipientDsn);
        Assert.Equal([expected], Complete(session).RecipientDsn);
    }

    [Fact]
    public void Recipient_parameters_are_kept_in_recipient_order_with_none_for_plain_recipients()
    {
        var session = WithMail("MAIL FROM:<a@b.org> RET=HDRS ENVID=id1");
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<one@d.org> NOTIFY=SUCCESS,FAILURE"));
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<two@d.org>"));
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<three@d.org> NOTIFY=NEVER ORCPT=rfc822;3@e.org"));
        var envelope = Complete(session);
        Assert.Equal(["one@d.org", "two@d.org", "three@d.org"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal(
            [
                new DsnRecipientParameters(DsnNotify.Success | DsnNotify.Failure, null),
                DsnRecipientParameters.None,
                new DsnRecipientParameters(DsnNotify.Never, "rfc822;3@e.org"),
            ],
            envelope.RecipientDsn);
        Assert.Equal(new DsnMessageParameters(DsnReturn.Headers, "id1"), envelope.Dsn);
    }

    [Fact]
    public void Rejected_recipient_leaves_no_parameters_behind()
    {
        var session = WithMail();
        Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<gone@d.org> NOTIFY=SUCCESS").Effect);
        session.Engine.OnRecipientVerdict(RecipientVerdict.UnknownUser);
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<here@d.org>"));
        Assert.Equal([DsnRecipientParameters.None], Complete(session).RecipientDsn);
    }

    [Theory]
    [InlineData("NOTIFY=BOGUS", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=NEVER,SUCCESS", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=FAILURE,NEVER", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=SUCCESS,SUCCESS", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=SUCCESS,", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=,FAILURE", "501 5.5.4 Error: bad NOTIFY parameter")]
    [InlineData("NOTIFY=NEVER NOTIFY=NEVER", "501 5.5.4 Error: duplicate NOTIFY parameter")]
    [InlineData("ORCPT", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=bob@example.org", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=;bob@example.org", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=rfc822;", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=rfc:822;bob@example.org", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=rfc822;bob+4@example.org", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=rfc822;b+0D+0Aob@example.org", "501 5.5.4 Error: bad ORCPT parameter")]
    [InlineData("ORCPT=rfc822;a ORCPT=rfc822;b", "501 5.5.4 Error: duplicate ORCPT parameter")]
    [InlineData("FOO=bar", "555 5.5.4 Error: unsupported parameter FOO")]
    public void Bad_rcpt_dsn_parameters_are_refused_and_the_transaction_goes_on(string parameters, string expected)
    {
        var session = WithMail();
        var step = session.Send($"RCPT TO:<c@d.org> {parameters}");
        Assert.Equal(expected, Wire(step));
        Assert.Null(step.Effect);
        Assert.Empty(session.Engine.Recipients);
        Assert.Equal("250 2.1.5 Ok", Rcpt(session, "RCPT TO:<c@d.org>"));
    }

    [Fact]
    public void Orcpt_longer_than_500_characters_is_refused()
    {
        var value = "rfc822;" + new string('o', 480) + "@example.org"; // 499 characters
        Assert.Equal("250 2.1.5 Ok", Rcpt(WithMail(), $"RCPT TO:<c@d.org> ORCPT={value}"));
        Assert.Equal("501 5.5.4 Error: bad ORCPT parameter", Rcpt(WithMail(), $"RCPT TO:<c@d.org> ORCPT={value}xx"));
    }

    [Fact]
    public void Dsn_parameters_without_ehlo_keep_the_555_rule()
    {
        var session = new SmtpTestSession();
        session.Send("HELO client");
        Assert.Equal("555 5.5.4 Error: parameters require EHLO", session.Reply("MAIL FROM:<a@b.org> RET=FULL"));
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
        Assert.Equal("555 5.5.4 Error: parameters require EHLO", session.Reply("RCPT TO:<c@d.org> NOTIFY=NEVER"));
    }
}
