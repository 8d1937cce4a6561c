using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpStartTlsTests
{
    [Fact]
    public void Starttls_then_handshake_resets_the_session_to_fresh()
    {
        var session = new SmtpTestSession(Options(authRequiresTls: true));
        session.Send("EHLO client");
        session.Send("MAIL FROM:<a@b.org>");
        var step = session.Send("STARTTLS");
        Assert.Equal("220 2.0.0 Ready to start TLS", Wire(step));
        Assert.Equal(SmtpEffect.StartTls.Instance, step.Effect);
        Assert.Throws<InvalidOperationException>(() => session.Send("EHLO client"));

        Assert.Equal(SmtpStep.Empty, session.Engine.OnTlsEstablished());
        Assert.True(session.Engine.TlsActive);
        Assert.Null(session.Engine.ClientHelo);
        Assert.False(session.Engine.IsExtended);
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", session.Reply("MAIL FROM:<a@b.org>"));

        var ehlo = session.Reply("EHLO client");
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.EndsWith("250 AUTH PLAIN LOGIN", ehlo);
        Assert.IsType<SmtpEffect.Authenticate>(session.Send("AUTH PLAIN " + Base64("\0a\0b")).Effect);
    }

    [Fact]
    public void Starttls_forgets_a_plaintext_login()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client");
        session.Send("AUTH PLAIN " + Base64("\0alice\0pw"));
        session.Engine.OnAuthResult(true, null);
        Assert.Equal("alice", session.Engine.AuthenticatedUser);
        session.Send("STARTTLS");
        session.Engine.OnTlsEstablished();
        Assert.Null(session.Engine.AuthenticatedUser);
    }

    [Fact]
    public void Starttls_twice_is_out_of_sequence()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client");
        session.Send("STARTTLS");
        session.Engine.OnTlsEstablished();
        session.Send("EHLO client");
        Assert.Equal("503 5.5.1 Error: TLS already active", session.Reply("STARTTLS"));
    }

    [Fact]
    public void Starttls_on_an_implicit_tls_port_is_out_of_sequence()
    {
        var session = new SmtpTestSession(Options(tlsActive: true, tlsAvailable: false));
        session.Send("EHLO client");
        Assert.Equal("503 5.5.1 Error: TLS already active", session.Reply("STARTTLS"));
    }

    [Fact]
    public void Starttls_without_a_certificate_gets_454()
    {
        var session = new SmtpTestSession(Options(tlsAvailable: false));
        session.Send("EHLO client");
        var step = session.Send("STARTTLS");
        Assert.Equal("454 4.7.0 TLS not available", Wire(step));
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Starttls_with_arguments_is_a_syntax_error()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client");
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", session.Reply("STARTTLS now"));
    }

    [Fact]
    public void Timeout_during_the_handshake_closes_without_a_plaintext_reply()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client");
        session.Send("STARTTLS");
        var step = session.Engine.OnTimeout();
        Assert.Empty(step.Replies);
        Assert.True(step.Closes);
    }
}
