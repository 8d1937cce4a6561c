using System.Text;
using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class Pop3SaslPlainTests
{
    private static string Plain(string authzid, string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{user}\0{password}"));

    [Fact]
    public void Initial_response_authenticates()
    {
        var session = new Pop3TestSession();
        var step = session.Send("AUTH PLAIN " + Plain("", "alice", "pässword"));
        Assert.Empty(step.Lines);
        Assert.Equal(new Pop3Effect.Authenticate("alice", "pässword"), step.Effect);
        Assert.Equal(["+OK Maildrop has 0 messages (0 octets)"], session.Engine.OnAuthResult(true, []).Lines);
    }

    [Fact]
    public void Response_on_a_continuation_line_authenticates()
    {
        var session = new Pop3TestSession();
        Assert.Equal(["+ "], session.Send("auth plain").Lines);
        var step = session.Send(Plain("alice", "alice", "secret"));
        Assert.Equal(new Pop3Effect.Authenticate("alice", "secret", "alice"), step.Effect);
    }

    [Fact]
    public void Continuation_line_is_not_subject_to_the_command_length_limit()
    {
        var session = new Pop3TestSession();
        session.Send("AUTH PLAIN");
        var longPassword = new string('p', 300);
        var step = session.Send(Plain("", "alice", longPassword));
        Assert.Equal(new Pop3Effect.Authenticate("alice", longPassword), step.Effect);
    }

    [Fact]
    public void Star_cancels_the_exchange()
    {
        var session = new Pop3TestSession();
        session.Send("AUTH PLAIN");
        Assert.Equal(["-ERR Authentication cancelled"], session.Send("*").Lines);
        Assert.Equal(["+OK Send PASS"], session.Send("USER alice").Lines);
    }

    [Fact]
    public void Over_long_continuation_line_ends_the_exchange()
    {
        var session = new Pop3TestSession();
        session.Send("AUTH PLAIN");
        Assert.Equal(["-ERR Authentication response too long"], session.Engine.OnLineTooLong().Lines);
        Assert.Equal(["+OK Send PASS"], session.Send("USER alice").Lines);
    }

    [Theory]
    [InlineData("AUTH", "-ERR AUTH needs a mechanism name")]
    [InlineData("AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism")]
    [InlineData("AUTH PLAIN a b", "-ERR Too many arguments")]
    [InlineData("AUTH PLAIN !!!notbase64", "-ERR Invalid base64 in authentication response")]
    [InlineData("AUTH PLAIN =", "-ERR [AUTH] Malformed PLAIN credentials")]
    [InlineData("AUTH PLAIN YWxpY2U=", "-ERR [AUTH] Malformed PLAIN credentials")]
    public void Malformed_auth_is_rejected_without_counting_a_failure(string line, string reply)
    {
        var session = new Pop3TestSession();
        var step = session.Send(line);
        Assert.Equal([reply], step.Lines);
        Assert.Null(step.Effect);
        Assert.Equal(0, session.Engine.AuthFailures);
    }

    [Fact]
    public void Authorization_identity_goes_to_the_credential_check_which_judges_it_like_the_password()
    {
        var session = new Pop3TestSession();
        var step = session.Send("AUTH PLAIN " + Plain("bob", "alice", "secret"));
        Assert.Empty(step.Lines);
        Assert.Equal(new Pop3Effect.Authenticate("alice", "secret", "bob"), step.Effect);
        Assert.Equal(["-ERR [AUTH] Authentication failed"], session.Engine.OnAuthResult(false, null).Lines);
        Assert.Equal(1, session.Engine.AuthFailures);
    }

    [Fact]
    public void Failed_plain_login_counts_like_a_failed_pass()
    {
        var session = new Pop3TestSession();
        session.Send("AUTH PLAIN " + Plain("", "alice", "wrong"));
        Assert.Equal(["-ERR [AUTH] Authentication failed"], session.Engine.OnAuthResult(false, null).Lines);
        Assert.Equal(1, session.Engine.AuthFailures);
    }

    [Fact]
    public void Auth_is_not_valid_after_login()
    {
        var session = Pop3TestSession.LoggedIn();
        Assert.Equal(["-ERR AUTH is not valid in TRANSACTION state"], session.Send("AUTH PLAIN").Lines);
    }
}
