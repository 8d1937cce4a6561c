using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpAuthTests
{
    private static SmtpTestSession Greeted(SmtpServerOptions? options = null)
    {
        var session = new SmtpTestSession(options);
        session.Send("EHLO client.example.org");
        return session;
    }

    [Fact]
    public void Auth_plain_with_initial_response()
    {
        var session = Greeted();
        var step = session.Send("AUTH PLAIN " + Base64("admin\0alice\0s3cret"));
        Assert.Empty(step.Replies);
        Assert.Equal(new SmtpEffect.Authenticate("PLAIN", "admin", "alice", "s3cret"), step.Effect);
        Assert.Equal("235 2.7.0 Authentication successful", Wire(session.Engine.OnAuthResult(true, "alice@example.com")));
        Assert.Equal("alice@example.com", session.Engine.AuthenticatedUser);
    }

    [Fact]
    public void Auth_plain_with_continuation()
    {
        var session = Greeted();
        Assert.Equal("334 ", session.Reply("auth plain"));
        var step = session.Send(Base64("\0alice\0pässword"));
        Assert.Equal(new SmtpEffect.Authenticate("PLAIN", "", "alice", "pässword"), step.Effect);
        session.Engine.OnAuthResult(true, null);
        Assert.Equal("alice", session.Engine.AuthenticatedUser);
    }

    [Fact]
    public void Auth_login_exchange()
    {
        var session = Greeted();
        Assert.Equal("334 VXNlcm5hbWU6", session.Reply("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", session.Reply(Base64("alice")));
        var step = session.Send(Base64("s3cret"));
        Assert.Equal(new SmtpEffect.Authenticate("LOGIN", "", "alice", "s3cret"), step.Effect);
        Assert.Equal("235 2.7.0 Authentication successful", Wire(session.Engine.OnAuthResult(true, null)));
        Assert.Equal("alice", session.Engine.AuthenticatedUser);
    }

    [Fact]
    public void Auth_login_with_initial_user_name()
    {
        var session = Greeted();
        Assert.Equal("334 UGFzc3dvcmQ6", session.Reply("AUTH LOGIN " + Base64("alice")));
        Assert.Equal(new SmtpEffect.Authenticate("LOGIN", "", "alice", "pw"), session.Send(Base64("pw")).Effect);
    }

    [Fact]
    public void Password_never_appears_in_the_effect_text()
    {
        var effect = new SmtpEffect.Authenticate("PLAIN", "", "alice", "hunter2");
        Assert.DoesNotContain("hunter2", effect.ToString());
        Assert.Contains("alice", effect.ToString());
    }

    [Theory]
    [InlineData("AUTH PLAIN")]
    [InlineData("AUTH LOGIN")]
    public void Star_cancels_the_exchange(string start)
    {
        var session = Greeted();
        session.Send(start);
        Assert.Equal("501 5.0.0 Authentication cancelled", session.Reply("*"));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
        Assert.Equal(0, session.Engine.AuthFailures);
    }

    [Fact]
    public void Star_cancels_at_the_password_prompt_too()
    {
        var session = Greeted();
        session.Send("AUTH LOGIN");
        session.Send(Base64("alice"));
        Assert.Equal("501 5.0.0 Authentication cancelled", session.Reply("*"));
        Assert.Null(session.Engine.AuthenticatedUser);
    }

    [Theory]
    [InlineData("AUTH PLAIN !!!!")]
    [InlineData("AUTH PLAIN YWxpY2U")]       // not a multiple of 4
    [InlineData("AUTH PLAIN YWxpY2U=")]      // valid base64 but no NULs
    [InlineData("AUTH LOGIN ****")]
    public void Bad_initial_response_gets_501_5_5_2(string line)
    {
        var session = Greeted();
        Assert.Equal("501 5.5.2 Error: invalid base64 data in authentication response", session.Reply(line));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Bad_continuation_gets_501_5_5_2_and_the_next_line_is_a_command()
    {
        var session = Greeted();
        session.Send("AUTH LOGIN");
        Assert.Equal("501 5.5.2 Error: invalid base64 data in authentication response", session.Reply("not base64!"));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Over_long_response_ends_the_exchange()
    {
        var session = Greeted();
        session.Send("AUTH PLAIN");
        Assert.Equal("500 5.5.6 Error: line too long", SmtpTestSession.Wire(session.Engine.OnLineTooLong()));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Failures_are_counted_and_too_many_close_the_connection()
    {
        var session = Greeted(Options(maxAuthFailures: 2));
        session.Send("AUTH PLAIN " + Base64("\0alice\0wrong"));
        Assert.Equal("535 5.7.8 Authentication credentials invalid", Wire(session.Engine.OnAuthResult(false, null)));
        Assert.Equal(1, session.Engine.AuthFailures);
        Assert.Null(session.Engine.AuthenticatedUser);

        session.Send("AUTH LOGIN");
        session.Send(Base64("alice"));
        session.Send(Base64("wrong"));
        var step = session.Engine.OnAuthResult(false, null);
        Assert.Equal("421 4.7.0 mail.example.com Too many authentication failures, closing connection", Wire(step));
        Assert.True(step.Closes);
    }

    [Fact]
    public void Auth_twice_is_out_of_sequence()
    {
        var session = Greeted();
        session.Send("AUTH PLAIN " + Base64("\0alice\0pw"));
        session.Engine.OnAuthResult(true, null);
        Assert.Equal("503 5.5.1 Error: already authenticated", session.Reply("AUTH PLAIN " + Base64("\0bob\0pw")));
    }

    [Fact]
    public void Auth_during_a_transaction_is_out_of_sequence()
    {
        var session = Greeted();
        session.Send("MAIL FROM:<a@b.org>");
        Assert.Equal("503 5.5.1 Error: AUTH not permitted during a mail transaction", session.Reply("AUTH LOGIN"));
    }

    [Fact]
    public void Auth_needs_ehlo()
    {
        var session = new SmtpTestSession();
        Assert.Equal("503 5.5.1 Error: send EHLO first", session.Reply("AUTH LOGIN"));
        session.Send("HELO c");
        Assert.Equal("503 5.5.1 Error: send EHLO first", session.Reply("AUTH LOGIN"));
    }

    [Fact]
    public void Auth_on_plaintext_when_tls_is_required_gets_538()
    {
        var session = Greeted(Options(authRequiresTls: true));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism", session.Reply("AUTH PLAIN " + Base64("\0a\0b")));
        Assert.False(session.Engine.IsAwaitingCompletion);
    }

    [Theory]
    [InlineData("AUTH CRAM-MD5", "504 5.5.4 Error: unrecognized authentication type")]
    [InlineData("AUTH", "501 5.5.4 Syntax: AUTH mechanism [initial-response]")]
    [InlineData("AUTH PLAIN a b", "501 5.5.4 Syntax: AUTH mechanism [initial-response]")]
    public void Auth_command_errors(string line, string expected)
    {
        Assert.Equal(expected, Greeted().Reply(line));
    }

    [Fact]
    public void Auth_lines_count_as_commands()
    {
        var session = Greeted(Options(maxCommands: 2));
        session.Send("AUTH LOGIN");
        var step = session.Send(Base64("alice"));
        Assert.StartsWith("421 4.7.0", Wire(step));
        Assert.True(step.Closes);
    }
}
