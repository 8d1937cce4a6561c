using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpMailRcptTests
{
    private static SmtpTestSession Greeted(SmtpServerOptions? options = null)
    {
        var session = new SmtpTestSession(options);
        session.Send("EHLO client.example.org");
        return session;
    }

    [Fact]
    public void Mail_before_helo_is_out_of_sequence()
    {
        var session = new SmtpTestSession();
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", session.Reply("MAIL FROM:<a@b.org>"));
        Assert.Null(session.Engine.ReversePath);
    }

    [Fact]
    public void Rcpt_before_mail_is_out_of_sequence()
    {
        Assert.Equal("503 5.5.1 Error: need MAIL command", Greeted().Reply("RCPT TO:<a@b.org>"));
    }

    [Fact]
    public void Mail_during_a_transaction_is_out_of_sequence()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        Assert.Equal("503 5.5.1 Error: nested MAIL command", session.Reply("MAIL FROM:<c@d.org>"));
        Assert.Equal("a@b.org", session.Engine.ReversePath!.Address);
    }

    [Fact]
    public void Mail_accepts_null_reverse_path_and_space_after_colon()
    {
        var session = Greeted();
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<>"));
        Assert.True(session.Engine.ReversePath!.IsNull);
        session.Send("RSET");
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM: <a@b.org>"));
    }

    [Theory]
    [InlineData("MAIL")]
    [InlineData("MAIL FROM <a@b.org>")]
    [InlineData("MAIL TO:<a@b.org>")]
    public void Mail_without_from_colon_is_a_syntax_error(string line)
    {
        Assert.Equal("501 5.5.4 Syntax: MAIL FROM:<address>", Greeted().Reply(line));
    }

    [Theory]
    [InlineData("MAIL FROM:a@b.org")]
    [InlineData("MAIL FROM:<a@b.org")]
    [InlineData("MAIL FROM:<a b@b.org>")]
    [InlineData("MAIL FROM:<a@b..org>")]
    [InlineData("MAIL FROM:<postmaster>")]
    public void Mail_with_a_bad_address_is_a_syntax_error(string line)
    {
        Assert.Equal("501 5.5.4 Error: bad sender address syntax", Greeted().Reply(line));
    }

    [Theory]
    [InlineData("RCPT TO:<>", "501 5.5.4 Error: bad recipient address syntax")]
    [InlineData("RCPT TO:<bob>", "501 5.5.4 Error: bad recipient address syntax")]
    [InlineData("RCPT TO:bob@example.com", "501 5.5.4 Error: bad recipient address syntax")]
    [InlineData("RCPT <bob@example.com>", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("RCPT TO:<bob@example.com>junk", "501 5.5.4 Syntax error in parameters or arguments")]
    [InlineData("RCPT TO:<bob@example.com> =x", "501 5.5.4 Error: malformed parameter")]
    [InlineData("RCPT TO:<bob@example.com> FOO=bar", "555 5.5.4 Error: unsupported parameter FOO")]
    public void Rcpt_syntax_errors(string line, string expected)
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        Assert.Equal(expected, session.Reply(line));
        Assert.False(session.Engine.IsAwaitingCompletion);
    }

    [Fact]
    public void Rcpt_to_bare_postmaster_is_legal()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        var check = Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<Postmaster>").Effect);
        Assert.Null(check.Recipient.Domain);
        Assert.Equal("postmaster", check.Recipient.LocalPart);
    }

    [Fact]
    public void Rcpt_ignores_source_routes_and_lower_cases_the_domain()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        var check = Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<@hosta.int,@jkl.org:userc@D.Bar.ORG>").Effect);
        Assert.Equal(new SmtpPath("userc", "d.bar.org"), check.Recipient);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.org> FOO=bar", "555 5.5.4 Error: unsupported parameter FOO")]
    [InlineData("MAIL FROM:<a@b.org> SIZE=abc", "501 5.5.4 Error: bad SIZE parameter")]
    [InlineData("MAIL FROM:<a@b.org> SIZE", "501 5.5.4 Error: bad SIZE parameter")]
    [InlineData("MAIL FROM:<a@b.org> SIZE=-1", "501 5.5.4 Error: bad SIZE parameter")]
    [InlineData("MAIL FROM:<a@b.org> SIZE=10001", "552 5.3.4 Message size exceeds fixed maximum message size")]
    [InlineData("MAIL FROM:<a@b.org> SIZE=99999999999999999999999", "501 5.5.4 Error: bad SIZE parameter")]
    [InlineData("MAIL FROM:<a@b.org> SIZE=1 SIZE=2", "501 5.5.4 Error: duplicate SIZE parameter")]
    [InlineData("MAIL FROM:<a@b.org> BODY=BINARYMIME", "555 5.5.4 Error: BODY=BINARYMIME is not supported")]
    [InlineData("MAIL FROM:<a@b.org> BODY=9BIT", "501 5.5.4 Error: bad BODY parameter")]
    [InlineData("MAIL FROM:<a@b.org> SMTPUTF8=yes", "501 5.5.4 Error: SMTPUTF8 takes no value")]
    [InlineData("MAIL FROM:<a@b.org> AUTH", "501 5.5.4 Error: bad AUTH parameter")]
    [InlineData("MAIL FROM:<a@b.org> SIZE==1", "501 5.5.4 Error: malformed parameter")]
    [InlineData("MAIL FROM:<jörg@b.org>", "553 5.6.7 Error: non-ASCII address requires SMTPUTF8")]
    public void Mail_parameter_errors(string line, string expected)
    {
        var session = Greeted();
        Assert.Equal(expected, session.Reply(line));
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Mail_parameters_are_recorded_case_insensitively()
    {
        var session = Greeted();
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org> size=10000 body=7bit AUTH=<> smtputf8"));
        Assert.Equal(10000, session.Engine.DeclaredSize);
        Assert.Equal(BodyType.SevenBit, session.Engine.Body);
        Assert.True(session.Engine.SmtpUtf8);
        session.Send("RSET");
        Assert.Null(session.Engine.DeclaredSize);
        Assert.Equal(BodyType.Unspecified, session.Engine.Body);
        Assert.False(session.Engine.SmtpUtf8);
    }

    [Fact]
    public void Mail_parameters_need_ehlo()
    {
        var session = new SmtpTestSession();
        session.Send("HELO client");
        Assert.Equal("555 5.5.4 Error: parameters require EHLO", session.Reply("MAIL FROM:<a@b.org> SIZE=10"));
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Smtputf8_transaction_accepts_international_addresses()
    {
        var session = Greeted();
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<jörg@bücher.example> SMTPUTF8"));
        Assert.Equal("jörg@bücher.example", session.Engine.ReversePath!.Address);
        var check = Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<用户@例子.广告>").Effect);
        Assert.Equal("用户", check.Recipient.LocalPart);
        Assert.Equal("例子.广告", check.Recipient.Domain);
        session.Engine.OnRecipientVerdict(RecipientVerdict.Accept);
        Assert.StartsWith("354", session.Reply("DATA"));
        var complete = Assert.IsType<SmtpEffect.CompleteMessage>(session.Engine.OnDataReceived(DataOutcome.Complete).Effect);
        Assert.True(complete.Envelope.SmtpUtf8);
    }

    [Fact]
    public void International_recipient_without_smtputf8_is_refused()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        Assert.Equal("553 5.6.7 Error: non-ASCII address requires SMTPUTF8", session.Reply("RCPT TO:<jörg@example.com>"));
        Assert.False(session.Engine.IsAwaitingCompletion);
    }

    [Fact]
    public void Submission_port_requires_auth_before_mail()
    {
        var session = Greeted(Options(isSubmission: true));
        Assert.Equal("530 5.7.0 Authentication required", session.Reply("MAIL FROM:<a@b.org>"));
        session.Send("AUTH PLAIN " + Base64("\0alice\0secret"));
        session.Engine.OnAuthResult(true, null);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Recipient_limit_is_enforced_before_asking_the_actor()
    {
        var session = new SmtpTestSession().WithTransaction("<a@b.org>", "<r1@x.org>", "<r2@x.org>", "<r3@x.org>");
        var step = session.Send("RCPT TO:<r4@x.org>");
        Assert.Equal("452 4.5.3 Error: too many recipients", Wire(step));
        Assert.Null(step.Effect);
        Assert.Equal(3, session.Engine.Recipients.Count);
    }

    [Fact]
    public void Duplicate_recipient_is_accepted_once_without_asking_again()
    {
        var session = new SmtpTestSession().WithTransaction("<a@b.org>", "<r1@x.org>");
        var step = session.Send("RCPT TO:<r1@X.ORG>");
        Assert.Equal("250 2.1.5 Ok", Wire(step));
        Assert.Null(step.Effect);
        Assert.Single(session.Engine.Recipients);
    }

    [Fact]
    public void Custom_and_temporary_recipient_verdicts_are_sent_as_given()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        session.Send("RCPT TO:<c@d.org>");
        Assert.Equal("451 4.3.0 Recipient address cannot be verified now, try again later",
            Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.TemporaryFailure)));
        session.Send("RCPT TO:<c@d.org>");
        var custom = RecipientVerdict.Reject(new SmtpReply(550, "5.2.1", "Mailbox disabled"));
        Assert.Equal("550 5.2.1 Mailbox disabled", Wire(session.Engine.OnRecipientVerdict(custom)));
        Assert.Empty(session.Engine.Recipients);
        Assert.Throws<ArgumentException>(() => RecipientVerdict.Reject(new SmtpReply(250, null, "no")));
    }
}
