using System.Text;
using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class Pop3AuthorizationTests
{
    [Fact]
    public void Greets_with_host_name()
    {
        var session = new Pop3TestSession();
        Assert.Equal(["+OK mail.example.com POP3 ready"], session.Greeting.Lines);
        Assert.Null(session.Greeting.Effect);
        Assert.Equal(Pop3SessionState.Authorization, session.Engine.State);
    }

    [Fact]
    public void User_then_pass_asks_the_actor_to_authenticate()
    {
        var session = new Pop3TestSession();
        var user = session.Send("USER alice");
        Assert.Equal(["+OK Send PASS"], user.Lines);

        var pass = session.Send("PASS secret");
        Assert.Empty(pass.Lines);
        Assert.Equal(new Pop3Effect.Authenticate("alice", "secret"), pass.Effect);
        Assert.True(session.Engine.IsAwaitingCompletion);
    }

    [Fact]
    public void Password_is_the_rest_of_the_line_including_spaces()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        var pass = session.Send("PASS correct horse battery ");
        Assert.Equal(new Pop3Effect.Authenticate("alice", "correct horse battery "), pass.Effect);
    }

    [Fact]
    public void Successful_login_enters_transaction_state_and_describes_the_maildrop()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        var result = session.Engine.OnAuthResult(true, Pop3TestSession.TwoMessages);
        Assert.Equal(["+OK Maildrop has 2 messages (320 octets)"], result.Lines);
        Assert.Null(result.Effect);
        Assert.Equal(Pop3SessionState.Transaction, session.Engine.State);
    }

    [Fact]
    public void Failed_login_answers_auth_code_and_allows_retrying()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS wrong");
        var result = session.Engine.OnAuthResult(false, null);
        Assert.Equal(["-ERR [AUTH] Authentication failed"], result.Lines);
        Assert.Null(result.Effect);
        Assert.Equal(1, session.Engine.AuthFailures);
        Assert.Equal(Pop3SessionState.Authorization, session.Engine.State);

        // The user name does not survive a failed PASS (RFC 1939: USER again).
        Assert.Equal(["-ERR Send USER first"], session.Send("PASS again").Lines);
        session.Send("USER alice");
        Assert.IsType<Pop3Effect.Authenticate>(session.Send("PASS right").Effect);
    }

    [Fact]
    public void Reaching_max_auth_failures_closes_the_connection()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(maxAuthFailures: 2));
        session.Send("USER alice");
        session.Send("PASS x");
        Assert.False(session.Engine.OnAuthResult(false, null).Closes);
        session.Send("USER alice");
        session.Send("PASS y");
        var last = session.Engine.OnAuthResult(false, null);
        Assert.StartsWith("-ERR [AUTH]", Assert.Single(last.Lines));
        Assert.True(last.Closes);
        Assert.Equal(Pop3SessionState.Closed, session.Engine.State);
        Assert.Same(Pop3Step.Empty, session.Send("USER alice"));
    }

    [Fact]
    public void Maildrop_in_use_is_reported_with_its_code_and_not_counted_as_a_failure()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        var result = session.Engine.OnMaildropInUse();
        Assert.Equal(["-ERR [IN-USE] Maildrop is locked by another session"], result.Lines);
        Assert.Equal(0, session.Engine.AuthFailures);
        Assert.Equal(Pop3SessionState.Authorization, session.Engine.State);
    }

    [Fact]
    public void Unavailable_authentication_is_a_temporary_system_error()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        var result = session.Engine.OnAuthUnavailable();
        Assert.StartsWith("-ERR [SYS/TEMP]", Assert.Single(result.Lines));
        Assert.Equal(0, session.Engine.AuthFailures);
    }

    [Theory]
    [InlineData("USER", "-ERR USER needs exactly one argument: the mailbox name")]
    [InlineData("USER a b", "-ERR USER needs exactly one argument: the mailbox name")]
    [InlineData("PASS secret", "-ERR Send USER first")]
    [InlineData("STAT", "-ERR STAT is not valid in AUTHORIZATION state; log in first")]
    [InlineData("LIST", "-ERR LIST is not valid in AUTHORIZATION state; log in first")]
    [InlineData("UIDL", "-ERR UIDL is not valid in AUTHORIZATION state; log in first")]
    [InlineData("RETR 1", "-ERR RETR is not valid in AUTHORIZATION state; log in first")]
    [InlineData("TOP 1 1", "-ERR TOP is not valid in AUTHORIZATION state; log in first")]
    [InlineData("DELE 1", "-ERR DELE is not valid in AUTHORIZATION state; log in first")]
    [InlineData("RSET", "-ERR RSET is not valid in AUTHORIZATION state; log in first")]
    [InlineData("NOOP", "-ERR NOOP is not valid in AUTHORIZATION state; log in first")]
    [InlineData("APOP alice 0123456789abcdef", "-ERR Unknown command")]
    [InlineData("XYZZY", "-ERR Unknown command")]
    [InlineData("", "-ERR Empty command")]
    [InlineData("   ", "-ERR Empty command")]
    [InlineData("QUIT now", "-ERR QUIT takes no arguments")]
    [InlineData("CAPA x", "-ERR CAPA takes no arguments")]
    public void Errors_in_authorization_state_keep_the_session(string line, string reply)
    {
        var session = new Pop3TestSession();
        var step = session.Send(line);
        Assert.Equal([reply], step.Lines);
        Assert.Null(step.Effect);
        Assert.Equal(Pop3SessionState.Authorization, session.Engine.State);
    }

    [Fact]
    public void Pass_without_password_is_rejected()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        Assert.Equal(["-ERR PASS needs an argument: the password"], session.Send("PASS").Lines);
    }

    [Fact]
    public void Quit_in_authorization_closes_without_commit()
    {
        var session = new Pop3TestSession();
        var step = session.Send("QUIT");
        Assert.Equal(["+OK mail.example.com POP3 server signing off"], step.Lines);
        Assert.True(step.Closes);
    }

    [Theory]
    [InlineData("USER alice")]
    [InlineData("PASS secret")]
    [InlineData("AUTH PLAIN")]
    public void Login_commands_need_tls_when_configured(string line)
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(authRequiresTls: true));
        var step = session.Send(line);
        Assert.Equal(["-ERR [AUTH] TLS required"], step.Lines);
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Login_works_on_plaintext_when_tls_is_not_required()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: false, authRequiresTls: false));
        session.Send("USER alice");
        Assert.IsType<Pop3Effect.Authenticate>(session.Send("PASS secret").Effect);
    }

    [Fact]
    public void Login_works_on_implicit_tls_when_tls_is_required()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsActive: true, authRequiresTls: true));
        Assert.Equal(["+OK Send PASS"], session.Send("USER alice").Lines);
    }

    [Fact]
    public void Commands_are_case_insensitive()
    {
        var session = new Pop3TestSession();
        Assert.Equal(["+OK Send PASS"], session.Send("user alice").Lines);
        Assert.IsType<Pop3Effect.Authenticate>(session.Send("pAsS secret").Effect);
    }

    [Fact]
    public void Command_line_over_255_octets_with_crlf_is_rejected()
    {
        var session = new Pop3TestSession();
        var atLimit = "USER " + new string('a', 253 - 5);
        Assert.Equal(["+OK Send PASS"], session.Send(atLimit).Lines);
        var overLimit = "USER " + new string('a', 254 - 5);
        Assert.Equal(["-ERR Command line too long (limit 255 octets)"], session.Send(overLimit).Lines);
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        var session = new Pop3TestSession();
        var step = session.Engine.OnLine([(byte)'U', (byte)'S', (byte)'E', (byte)'R', (byte)' ', 0xC3, 0x28]);
        Assert.Equal(["-ERR Command is not valid UTF-8"], step.Lines);
    }

    [Fact]
    public void Line_too_long_from_the_adapter_is_an_error_and_the_session_continues()
    {
        var session = new Pop3TestSession();
        var step = session.Engine.OnLineTooLong();
        Assert.Equal(["-ERR Line too long"], step.Lines);
        Assert.Null(step.Effect);
        Assert.Equal(["+OK Send PASS"], session.Send("USER alice").Lines);
    }

    [Fact]
    public void Authenticate_effect_does_not_print_the_password()
    {
        var text = new Pop3Effect.Authenticate("alice", "hunter2").ToString();
        Assert.Contains("alice", text);
        Assert.DoesNotContain("hunter2", text);
    }

    [Fact]
    public void Completion_calls_that_do_not_match_the_outstanding_effect_are_rejected()
    {
        var session = new Pop3TestSession();
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnAuthResult(true, []));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnTlsEstablished());
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnCommitted(true));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnMessageSent(true));
    }

    [Fact]
    public void Successful_login_requires_a_maildrop()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        Assert.Throws<ArgumentNullException>(() => session.Engine.OnAuthResult(true, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("line\r\nbreak")]
    public void Maildrop_with_an_invalid_unique_id_is_rejected(string uid)
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        Assert.Throws<ArgumentException>(() => session.Engine.OnAuthResult(true, [new Pop3Message(uid, 1)]));
    }

    [Fact]
    public void Options_must_allow_at_least_one_login_attempt()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pop3ServerEngine(Pop3TestSession.Options(maxAuthFailures: 0)));
    }

    [Fact]
    public void Step_bytes_end_every_line_with_crlf()
    {
        var step = new Pop3Step(["+OK a", "b", "."], null);
        Assert.Equal("+OK a\r\nb\r\n.\r\n", Encoding.ASCII.GetString(step.ToBytes()));
    }
}
