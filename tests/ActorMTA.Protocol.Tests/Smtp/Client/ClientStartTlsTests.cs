using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.Client.ClientTranscript;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

public class ClientStartTlsTests
{
    [Fact]
    public void Advertised_starttls_is_used_and_ehlo_is_repeated_over_tls()
    {
        var t = new ClientTranscript(tryStartTls: true);
        t.Server("220 mx.example.net ESMTP");
        Assert.Equal(new ClientOutput("STARTTLS\r\n", null), t.Server(EhloReply("PIPELINING", "SIZE 1000", "STARTTLS")));
        Assert.Equal(ClientState.StartTls, t.Engine.State);
        Assert.Equal(new ClientOutput("", ClientEffect.StartTlsHandshake.Instance), t.Server("220 2.0.0 Ready to start TLS"));
        Assert.True(t.Engine.IsAwaitingCompletion);

        Assert.Equal(new ClientOutput("EHLO out.example.org\r\n", null), Output(t.Engine.OnTlsEstablished()));
        Assert.True(t.Engine.TlsActive);
        // Plaintext capabilities are forgotten until the new EHLO reply (RFC 3207 section 4.2).
        Assert.Equal(ServerCapabilities.None, t.Engine.Capabilities);

        Assert.Equal(new ClientOutput("", null), t.Server(EhloReply("SIZE 2000", "AUTH PLAIN")));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        Assert.Equal(2000, t.Engine.Capabilities.MaxSize);
        Assert.False(t.Engine.Capabilities.Pipelining);
        Assert.Equal("MAIL FROM:<alice@example.org> SIZE=1500\r\n", Wire(t.Engine.Send(Message(size: 1500))));
    }

    [Fact]
    public void Starttls_is_sent_only_once_even_if_advertised_again_after_the_handshake()
    {
        var t = new ClientTranscript(tryStartTls: true);
        t.Server("220 mx.example.net");
        t.Server(EhloReply("STARTTLS"));
        t.Server("220 go ahead");
        t.Engine.OnTlsEstablished();
        Assert.Equal(new ClientOutput("", null), t.Server(EhloReply("STARTTLS")));
        Assert.Equal(ClientState.Ready, t.Engine.State);
    }

    [Fact]
    public void Lines_during_the_handshake_are_refused_as_possible_injection()
    {
        var t = new ClientTranscript(tryStartTls: true);
        t.Server("220 mx.example.net");
        t.Server(EhloReply("STARTTLS"));
        t.Server("220 go ahead");
        Assert.Throws<InvalidOperationException>(() => t.Engine.OnReplyLine("250 injected"u8));
    }

    [Fact]
    public void Starttls_is_not_tried_when_not_wanted()
    {
        var t = new ClientTranscript(tryStartTls: false);
        t.Server("220 mx.example.net");
        Assert.Equal(new ClientOutput("", null), t.Server(EhloReply("STARTTLS")));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        Assert.False(t.Engine.TlsActive);
    }

    [Fact]
    public void Refused_starttls_continues_in_plaintext_with_the_earlier_capabilities()
    {
        var t = new ClientTranscript(tryStartTls: true);
        t.Server("220 mx.example.net");
        t.Server(EhloReply("PIPELINING", "STARTTLS"));
        Assert.Equal(new ClientOutput("", null), t.Server("454 4.7.0 TLS not available due to temporary reason"));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        Assert.False(t.Engine.TlsActive);
        Assert.True(t.Engine.Capabilities.Pipelining);
    }

    [Fact]
    public void Required_tls_without_starttls_fails_transiently_with_quit()
    {
        var t = new ClientTranscript(tryStartTls: true, requireTls: true);
        t.Server("220 mx.example.net");
        var output = t.Server(EhloReply("PIPELINING"));
        Assert.Equal("QUIT\r\n", output.Sent);
        var failed = Failed(output);
        Assert.Equal(new SmtpReply(421, "4.7.10", "TLS is required but the server does not offer it"), failed.Reply);
        Assert.True(failed.WholeConnection);
    }

    [Fact]
    public void Required_tls_refused_by_the_server_fails()
    {
        var t = new ClientTranscript(tryStartTls: true, requireTls: true);
        t.Server("220 mx.example.net");
        t.Server(EhloReply("STARTTLS"));
        var output = t.Server("454 4.7.0 TLS not available");
        Assert.Equal("QUIT\r\n", output.Sent);
        Assert.Equal(LocalReplies.TlsRequired, Failed(output).Reply);
    }

    [Fact]
    public void Required_tls_after_helo_fallback_fails()
    {
        var t = new ClientTranscript(requireTls: true);
        t.Server("220 mx.example.net");
        t.Server("502 no EHLO");
        Assert.Equal(LocalReplies.TlsRequired, Failed(t.Server("250 ok")).Reply);
    }

    [Fact]
    public void Failed_handshake_is_reported_through_abort()
    {
        var t = new ClientTranscript(tryStartTls: true);
        t.Server("220 mx.example.net");
        t.Server(EhloReply("STARTTLS"));
        t.Server("220 go ahead");
        var output = Output(t.Engine.Abort(LocalReplies.TlsHandshakeFailed));
        Assert.Equal(new ClientOutput("", new ClientEffect.ConnectionFailed(LocalReplies.TlsHandshakeFailed, true)), output);
        Assert.False(t.Engine.IsAwaitingCompletion);
        Assert.Equal(ClientState.Closed, t.Engine.State);
    }
}
