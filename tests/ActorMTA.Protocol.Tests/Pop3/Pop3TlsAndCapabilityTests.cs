using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class Pop3TlsAndCapabilityTests
{
    private static readonly string[] CapaHead = ["+OK Capability list follows", "TOP", "UIDL"];

    [Fact]
    public void Capa_on_plaintext_with_tls_required_offers_stls_but_no_login()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: true, authRequiresTls: true));
        Assert.Equal(
            [.. CapaHead, "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "IMPLEMENTATION ActorMTA", "."],
            session.Send("CAPA").Lines);
    }

    [Fact]
    public void Capa_on_plaintext_without_tls_requirement_offers_login_and_stls()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: true, authRequiresTls: false));
        Assert.Equal(
            [.. CapaHead, "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "IMPLEMENTATION ActorMTA", "."],
            session.Send("capa").Lines);
    }

    [Fact]
    public void Capa_without_a_certificate_does_not_offer_stls()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: false, authRequiresTls: false));
        var lines = session.Send("CAPA").Lines;
        Assert.DoesNotContain("STLS", lines);
        Assert.Contains("USER", lines);
    }

    [Fact]
    public void Capa_on_implicit_tls_offers_login_and_not_stls()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsActive: true, authRequiresTls: true));
        Assert.Equal(
            [.. CapaHead, "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION ActorMTA", "."],
            session.Send("CAPA").Lines);
    }

    [Fact]
    public void Capa_is_the_same_after_login()
    {
        var session = Pop3TestSession.LoggedIn();
        var before = new Pop3TestSession().Send("CAPA").Lines;
        Assert.Equal(before, session.Send("CAPA").Lines);
    }

    [Fact]
    public void Stls_begins_negotiation_and_then_login_is_allowed()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: true, authRequiresTls: true));
        var step = session.Send("STLS");
        Assert.Equal(["+OK Begin TLS negotiation"], step.Lines);
        Assert.Same(Pop3Effect.StartTls.Instance, step.Effect);

        Assert.Same(Pop3Step.Empty, session.Engine.OnTlsEstablished());
        Assert.True(session.Engine.IsTlsActive);
        var capa = session.Send("CAPA").Lines;
        Assert.Contains("USER", capa);
        Assert.DoesNotContain("STLS", capa);
        Assert.Equal(["+OK Send PASS"], session.Send("USER alice").Lines);
    }

    [Fact]
    public void Stls_twice_is_refused()
    {
        var session = new Pop3TestSession();
        session.Send("STLS");
        session.Engine.OnTlsEstablished();
        Assert.Equal(["-ERR TLS is already active"], session.Send("STLS").Lines);
    }

    [Fact]
    public void Stls_on_implicit_tls_is_refused()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsActive: true));
        var step = session.Send("STLS");
        Assert.Equal(["-ERR TLS is already active"], step.Lines);
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Stls_without_a_certificate_is_refused()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(tlsAvailable: false));
        var step = session.Send("STLS");
        Assert.Equal(["-ERR STLS is not available"], step.Lines);
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Stls_with_an_argument_is_refused()
    {
        var session = new Pop3TestSession();
        Assert.Equal(["-ERR STLS takes no arguments"], session.Send("STLS now").Lines);
    }

    [Fact]
    public void Stls_after_login_is_refused()
    {
        var session = Pop3TestSession.LoggedIn();
        var step = session.Send("STLS");
        Assert.Equal(["-ERR STLS is not valid in TRANSACTION state"], step.Lines);
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Plaintext_input_pipelined_behind_stls_is_discarded()
    {
        var session = new Pop3TestSession();
        session.Send("STLS");
        Assert.Same(Pop3Step.Empty, session.Send("USER mallory"));
        Assert.Same(Pop3Step.Empty, session.Engine.OnLineTooLong());
        Assert.Equal(0, session.Engine.PendingInputCount);

        Assert.Empty(session.Engine.OnTlsEstablished().Lines);
        Assert.Equal(["-ERR Send USER first"], session.Send("PASS x").Lines);
    }

    [Fact]
    public void User_given_before_stls_is_forgotten()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("STLS");
        session.Engine.OnTlsEstablished();
        Assert.Equal(["-ERR Send USER first"], session.Send("PASS secret").Lines);
    }
}
