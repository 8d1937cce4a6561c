using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.Client.ClientTranscript;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

public class ClientSessionTests
{
    [Fact]
    public void Plain_ehlo_one_message_and_quit_produce_the_exact_transcript()
    {
        var t = new ClientTranscript();
        Assert.Equal(ClientState.Greeting, t.Engine.State);
        Assert.Equal(new ClientOutput("EHLO out.example.org\r\n", null), t.Server("220 mx.example.net ESMTP Postfix"));
        Assert.Equal(ClientState.Ehlo, t.Engine.State);
        Assert.Equal(new ClientOutput("", null), t.Server("250-mx.example.net", "250-SIZE 10240000", "250-8BITMIME", "250 ENHANCEDSTATUSCODES"));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        Assert.True(t.Engine.IsExtended);

        Assert.Equal("MAIL FROM:<alice@example.org> SIZE=1234\r\n", Wire(t.Engine.Send(Message(size: 1234))));
        Assert.Equal(ClientState.InTransaction, t.Engine.State);
        Assert.Equal(new ClientOutput("RCPT TO:<bob@example.net>\r\n", null), t.Server("250 2.1.0 Ok"));
        Assert.Equal(new ClientOutput("DATA\r\n", null), t.Server("250 2.1.5 Ok"));
        Assert.Equal(new ClientOutput("", new ClientEffect.SendContent("msg-1")), t.Server("354 End data with <CR><LF>.<CR><LF>"));
        Assert.True(t.Engine.IsAwaitingCompletion);
        Assert.Equal(ClientStep.Empty, t.Engine.OnContentSent());

        var result = Finished(t.Server("250 2.0.0 Ok: queued as 4F2A1"));
        var queued = new SmtpReply(250, "2.0.0", "Ok: queued as 4F2A1");
        Assert.Equal(new TransactionResult("msg-1", [new RecipientResult("bob@example.net", queued)], queued), result);
        Assert.True(result.Recipients[0].Accepted);
        Assert.Equal(ClientState.Ready, t.Engine.State);

        Assert.Equal("QUIT\r\n", Wire(t.Engine.Quit()));
        Assert.Equal(ClientState.Quitting, t.Engine.State);
        Assert.Equal(new ClientOutput("", ClientEffect.Close.Instance), t.Server("221 2.0.0 Bye"));
        Assert.Equal(ClientState.Closed, t.Engine.State);
    }

    [Theory]
    [InlineData("500 5.5.1 Command unrecognized")]
    [InlineData("502 Command not implemented")]
    public void Refused_ehlo_falls_back_to_helo_without_extensions(string refusal)
    {
        var t = new ClientTranscript();
        t.Server("220 old.example.net SMTP");
        Assert.Equal(new ClientOutput("HELO out.example.org\r\n", null), t.Server(refusal));
        Assert.Equal(ClientState.Ehlo, t.Engine.State);
        Assert.Equal(new ClientOutput("", null), t.Server("250 old.example.net"));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        Assert.False(t.Engine.IsExtended);
        Assert.Equal(ServerCapabilities.None, t.Engine.Capabilities);

        // No SIZE parameter without the extension, and one command at a time.
        Assert.Equal("MAIL FROM:<alice@example.org>\r\n", Wire(t.Engine.Send(Message(size: 500))));
    }

    [Fact]
    public void Ehlo_and_helo_both_refused_fail_the_connection_with_a_courtesy_quit()
    {
        var t = new ClientTranscript();
        t.Server("220 mx.example.net");
        t.Server("502 no");
        var output = t.Server("550 5.7.1 Go away");
        Assert.Equal("QUIT\r\n", output.Sent);
        Assert.Equal(new ClientEffect.ConnectionFailed(new SmtpReply(550, "5.7.1", "Go away"), true), output.Effect);
        Assert.Equal(ClientState.Closed, t.Engine.State);
    }

    [Fact]
    public void Transient_ehlo_refusal_does_not_try_helo()
    {
        var t = new ClientTranscript();
        t.Server("220 mx.example.net");
        var output = t.Server("451 4.3.0 Try later");
        Assert.Equal("QUIT\r\n", output.Sent);
        Assert.Equal(451, Failed(output).Reply.Code);
    }

    [Fact]
    public void Greeting_554_fails_the_whole_connection_and_says_quit()
    {
        var t = new ClientTranscript();
        var output = t.Server("554-mx.example.net no SMTP service here", "554 your IP is listed");
        Assert.Equal("QUIT\r\n", output.Sent);
        var failed = Failed(output);
        Assert.True(failed.WholeConnection);
        Assert.Null(failed.Transaction);
        Assert.Equal(new SmtpReply(554, null, ["mx.example.net no SMTP service here", "your IP is listed"]), failed.Reply);
        Assert.Equal(ClientState.Closed, t.Engine.State);
        // The session is gone: later lines are ignored and Quit closes at once.
        Assert.Equal(new ClientOutput("", null), t.Server("221 bye"));
        Assert.Equal(new ClientOutput("", ClientEffect.Close.Instance), Output(t.Engine.Quit()));
    }

    [Fact]
    public void Greeting_421_fails_without_quit_because_the_server_is_closing()
    {
        var t = new ClientTranscript();
        var output = t.Server("421 4.3.2 mx.example.net shutting down");
        Assert.Equal("", output.Sent);
        Assert.Equal(new ClientEffect.ConnectionFailed(new SmtpReply(421, "4.3.2", "mx.example.net shutting down"), true), output.Effect);
    }

    [Fact]
    public void Multi_line_greeting_and_ehlo_replies_are_assembled_before_acting()
    {
        var t = new ClientTranscript();
        Assert.Equal(new ClientOutput("", null), t.Server("220-mx.example.net ESMTP"));
        Assert.Equal(new ClientOutput("", null), t.Server("220-no UCE"));
        Assert.Equal(new ClientOutput("EHLO out.example.org\r\n", null), t.Server("220 welcome"));
        Assert.Equal(new ClientOutput("", null), t.Server("250-mx.example.net", "250-PIPELINING"));
        Assert.Equal(ClientState.Ehlo, t.Engine.State);
        Assert.Equal(new ClientOutput("", null), t.Server("250 SMTPUTF8"));
        Assert.True(t.Engine.Capabilities.Pipelining);
        Assert.True(t.Engine.Capabilities.SmtpUtf8);
    }

    [Theory]
    [InlineData("hello there")]
    [InlineData("25")]
    [InlineData("2500 too long a code")]
    [InlineData("650 bad class")]
    [InlineData("250_odd separator")]
    public void Malformed_reply_line_fails_the_connection_with_a_local_4xx(string line)
    {
        var t = new ClientTranscript();
        var output = t.Server(line);
        Assert.Equal("", output.Sent);
        var failed = Failed(output);
        Assert.Equal(LocalReplies.MalformedReply, failed.Reply);
        Assert.True(failed.Reply.IsTransientFailure);
        Assert.Equal(ClientState.Closed, t.Engine.State);
    }

    [Fact]
    public void Multi_line_reply_switching_codes_is_malformed()
    {
        var t = new ClientTranscript();
        t.Server("220 mx.example.net");
        Assert.Equal(LocalReplies.MalformedReply, Failed(t.Server("250-mx.example.net", "251 PIPELINING")).Reply);
    }

    [Fact]
    public void Unsolicited_421_while_idle_ends_only_this_connection()
    {
        var t = ReadyWith("PIPELINING");
        var failed = Failed(t.Server("421 4.4.2 mx.example.net Error: timeout exceeded"));
        Assert.False(failed.WholeConnection);
        Assert.Null(failed.Transaction);
    }

    [Fact]
    public void Unsolicited_other_reply_while_idle_is_a_protocol_error()
    {
        var t = ReadyWith();
        var failed = Failed(t.Server("250 surprise"));
        Assert.Equal(LocalReplies.MalformedReply, failed.Reply);
        Assert.True(failed.WholeConnection);
    }

    [Fact]
    public void Quit_closes_even_when_the_server_answers_with_an_error()
    {
        var t = ReadyWith();
        Assert.Equal("QUIT\r\n", Wire(t.Engine.Quit()));
        Assert.Equal(ClientStep.Empty, t.Engine.Quit());
        Assert.Equal(new ClientOutput("", ClientEffect.Close.Instance), t.Server("500 what"));
    }

    [Fact]
    public void Calls_out_of_sequence_throw()
    {
        var engine = new SmtpClientEngine(new SmtpClientOptions(HeloName, false, false));
        Assert.Throws<InvalidOperationException>(() => engine.OnReplyLine("220 hi"u8));
        Assert.Throws<InvalidOperationException>(() => engine.Send(Message()));
        engine.OnConnected();
        Assert.Throws<InvalidOperationException>(() => engine.OnConnected());
        Assert.Throws<InvalidOperationException>(() => engine.Send(Message()));
        Assert.Throws<InvalidOperationException>(() => engine.Quit());
        Assert.Throws<InvalidOperationException>(() => engine.OnTlsEstablished());
        Assert.Throws<InvalidOperationException>(() => engine.OnContentSent());
    }

    [Theory]
    [InlineData("")]
    [InlineData("out example.org")]
    [InlineData("out.example.org\r\nRSET")]
    public void Helo_name_must_be_a_single_token(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => new SmtpClientEngine(new SmtpClientOptions(name, false, false)));

    [Fact]
    public void Abort_while_greeting_reports_the_local_reason()
    {
        var t = new ClientTranscript();
        var output = Output(t.Engine.Abort(LocalReplies.Timeout));
        Assert.Equal(new ClientOutput("", new ClientEffect.ConnectionFailed(LocalReplies.Timeout, true)), output);
        Assert.Equal(ClientStep.Empty, t.Engine.Abort(LocalReplies.Timeout));
    }
}
