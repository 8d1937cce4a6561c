using System.Text;
using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpSessionTests
{
    private const string FullEhlo =
        "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n" +
        "250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n250-CHUNKING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN";

    [Fact]
    public void Greeting_names_the_host()
    {
        var session = new SmtpTestSession();
        Assert.Equal("220 mail.example.com ESMTP ActorMTA", Wire(session.Greeting));
        Assert.Null(session.Greeting.Effect);
    }

    [Fact]
    public void Helo_gets_a_plain_250_and_no_extensions()
    {
        var session = new SmtpTestSession();
        Assert.Equal("250 mail.example.com", session.Reply("HELO client.example.org"));
        Assert.Equal("client.example.org", session.Engine.ClientHelo);
        Assert.False(session.Engine.IsExtended);
    }

    [Fact]
    public void Ehlo_advertises_every_extension()
    {
        var session = new SmtpTestSession();
        Assert.Equal(FullEhlo, session.Reply("EHLO client.example.org"));
        Assert.True(session.Engine.IsExtended);
    }

    [Fact]
    public void Ehlo_omits_starttls_when_no_certificate_or_already_encrypted()
    {
        Assert.DoesNotContain("STARTTLS", new SmtpTestSession(Options(tlsAvailable: false)).Reply("EHLO c"));
        Assert.DoesNotContain("STARTTLS", new SmtpTestSession(Options(tlsActive: true)).Reply("EHLO c"));
    }

    [Fact]
    public void Ehlo_omits_auth_on_plaintext_when_auth_requires_tls()
    {
        var plaintext = new SmtpTestSession(Options(authRequiresTls: true)).Reply("EHLO c");
        Assert.DoesNotContain("AUTH", plaintext);
        Assert.EndsWith("250 STARTTLS", plaintext);
        var implicitTls = new SmtpTestSession(Options(authRequiresTls: true, tlsActive: true)).Reply("EHLO c");
        Assert.EndsWith("250-CHUNKING\r\n250 AUTH PLAIN LOGIN", implicitTls);
    }

    [Fact]
    public void Ehlo_and_helo_need_an_argument()
    {
        var session = new SmtpTestSession();
        Assert.Equal("501 5.5.4 Syntax: EHLO hostname", session.Reply("EHLO"));
        Assert.Equal("501 5.5.4 Syntax: HELO hostname", session.Reply("HELO   "));
        Assert.Null(session.Engine.ClientHelo);
    }

    [Fact]
    public void Rfc5321_appendix_D1_a_typical_transaction()
    {
        var session = new SmtpTestSession();
        Assert.StartsWith("250-mail.example.com\r\n", session.Reply("EHLO bar.com"));
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<Smith@bar.com>"));

        Assert.Equal(new SmtpEffect.CheckRecipient(new SmtpPath("Jones", "foo.com")), session.Send("RCPT TO:<Jones@foo.com>").Effect);
        Assert.Equal("250 2.1.5 Ok", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept)));
        Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<Green@foo.com>").Effect);
        Assert.Equal("550 5.1.1 Recipient address rejected: User unknown", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.UnknownUser)));
        Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<Brown@foo.com>").Effect);
        Assert.Equal("250 2.1.5 Ok", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept)));

        var data = session.Send("DATA");
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>", Wire(data));
        Assert.Equal(SmtpEffect.BeginData.Instance, data.Effect);

        var received = session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Empty(received.Replies);
        var complete = Assert.IsType<SmtpEffect.CompleteMessage>(received.Effect);
        Assert.Equal(new SmtpPath("Smith", "bar.com"), complete.Envelope.ReversePath);
        Assert.Equal(["<Jones@foo.com>", "<Brown@foo.com>"], complete.Envelope.Recipients.Select(r => r.ToString()));
        Assert.Equal("bar.com", complete.Envelope.ClientHelo);

        Assert.Equal("250 2.0.0 Ok: queued as Q123", Wire(session.Engine.OnMessageAccepted("Q123")));
        Assert.Null(session.Engine.ReversePath);
        Assert.Empty(session.Engine.Recipients);

        var quit = session.Send("QUIT");
        Assert.Equal("221 2.0.0 mail.example.com closing connection", Wire(quit));
        Assert.Equal(SmtpEffect.Close.Instance, quit.Effect);
        Assert.True(quit.Closes);
        Assert.True(session.Engine.IsClosed);
        Assert.Equal(SmtpStep.Empty, session.Send("NOOP"));
    }

    [Fact]
    public void Rfc5321_appendix_D2_aborted_transaction()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO bar.com");
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<Smith@bar.com>"));
        session.Send("RCPT TO:<Jones@foo.com>");
        session.Engine.OnRecipientVerdict(RecipientVerdict.Accept);
        session.Send("RCPT TO:<Green@foo.com>");
        Assert.Equal("550 5.7.1 Relay access denied", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.RelayDenied)));
        Assert.Equal("250 2.0.0 Ok", session.Reply("RSET"));
        Assert.Null(session.Engine.ReversePath);
        Assert.Empty(session.Engine.Recipients);
        Assert.Equal("503 5.5.1 Error: need MAIL command", session.Reply("RCPT TO:<Jones@foo.com>"));
        Assert.StartsWith("221 2.0.0", session.Reply("QUIT"));
    }

    [Fact]
    public void Rfc5321_appendix_D4_verifying_and_sending()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO bar.com");
        Assert.Equal("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery", session.Reply("VRFY Crispin"));
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<EAK@bar.com>"));
        Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("RCPT TO:<Admin.MRC@foo.com>").Effect);
        session.Engine.OnRecipientVerdict(RecipientVerdict.Accept);
        Assert.StartsWith("354 ", session.Reply("DATA"));
        Assert.IsType<SmtpEffect.CompleteMessage>(session.Engine.OnDataReceived(DataOutcome.Complete).Effect);
        Assert.Equal("250 2.0.0 Ok: queued as 7", Wire(session.Engine.OnMessageAccepted("7")));
    }

    [Fact]
    public void Pipelined_mail_rcpt_rcpt_data_is_answered_in_order()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client");
        var replies = new List<string>();
        // The actor feeds one line at a time and answers each effect before the next line.
        foreach (var line in new[] { "MAIL FROM:<a@x.org> SIZE=500 BODY=8BITMIME", "RCPT TO:<b@example.com>", "RCPT TO:<c@example.com>", "DATA" })
        {
            var step = session.Send(line);
            replies.AddRange(step.Replies.Select(r => r.ToString()));
            if (step.Effect is SmtpEffect.CheckRecipient) replies.AddRange(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept).Replies.Select(r => r.ToString()));
        }
        Assert.Equal(["250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"], replies);
        Assert.Equal(500, session.Engine.DeclaredSize);
        Assert.Equal(BodyType.EightBitMime, session.Engine.Body);
        var complete = Assert.IsType<SmtpEffect.CompleteMessage>(session.Engine.OnDataReceived(DataOutcome.Complete).Effect);
        Assert.Equal(new SmtpEnvelope(new SmtpPath("a", "x.org"), [new SmtpPath("b", "example.com"), new SmtpPath("c", "example.com")],
            BodyType.EightBitMime, false, 500, "client", null, false), complete.Envelope);
    }

    [Fact]
    public void Simple_commands()
    {
        var session = new SmtpTestSession();
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP anything"));
        Assert.Equal("250 2.0.0 Ok", session.Reply("RSET"));
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", session.Reply("RSET now"));
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", session.Reply("VRFY"));
        Assert.Equal("502 5.5.1 Error: EXPN not implemented", session.Reply("EXPN staff"));
        Assert.StartsWith("214 2.0.0 ", session.Reply("HELP"));
    }

    [Theory]
    [InlineData("ehlo client")]
    [InlineData("EhLo client")]
    public void Verbs_are_case_insensitive(string ehlo)
    {
        var session = new SmtpTestSession();
        Assert.Equal(FullEhlo, session.Reply(ehlo));
        Assert.Equal("250 2.1.0 Ok", session.Reply("mail from:<a@b.org>"));
        Assert.IsType<SmtpEffect.CheckRecipient>(session.Send("Rcpt To:<c@d.org>").Effect);
        Assert.StartsWith("250 2.1.5", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept)));
        Assert.StartsWith("221 ", session.Reply("quit"));
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("")]
    [InlineData("MAILFROM:<a@b.c>")]
    [InlineData("GET / HTTP/1.1")]
    public void Unknown_commands_get_500_and_the_session_continues(string line)
    {
        var session = new SmtpTestSession();
        Assert.Equal("500 5.5.2 Error: command not recognized", session.Reply(line));
        Assert.Equal("250 mail.example.com", session.Reply("HELO c"));
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var session = new SmtpTestSession();
        var step = session.Engine.OnLine([(byte)'N', (byte)'O', (byte)'O', (byte)'P', (byte)' ', 0xFF]);
        Assert.Equal("500 5.5.2 Error: command is not valid UTF-8", Wire(step));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Over_long_line_gets_500_and_the_session_continues()
    {
        var session = new SmtpTestSession();
        Assert.Equal("500 5.5.6 Error: line too long", Wire(session.Engine.OnLineTooLong()));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Timeout_closes_with_421_4_4_2()
    {
        var session = new SmtpTestSession();
        var step = session.Engine.OnTimeout();
        Assert.Equal("421 4.4.2 mail.example.com Error: timeout exceeded, closing connection", Wire(step));
        Assert.True(step.Closes);
        Assert.Equal(SmtpStep.Empty, session.Engine.OnTimeout());
    }

    [Fact]
    public void Shutdown_closes_with_421_4_3_2_even_while_an_effect_is_outstanding()
    {
        var session = new SmtpTestSession().WithTransaction();
        session.Send("DATA");
        var step = session.Engine.OnShutdown();
        Assert.Equal("421 4.3.2 mail.example.com Service shutting down, closing connection", Wire(step));
        Assert.True(step.Closes);
        // Completions arriving after the close are ignored.
        Assert.Equal(SmtpStep.Empty, session.Engine.OnDataReceived(DataOutcome.Complete));
    }

    [Fact]
    public void Too_many_commands_closes_with_421_4_7_0()
    {
        var session = new SmtpTestSession(Options(maxCommands: 3));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
        Assert.StartsWith("500 ", session.Reply("BOGUS"));
        Assert.Equal("500 5.5.6 Error: line too long", Wire(session.Engine.OnLineTooLong()));
        var step = session.Send("NOOP");
        Assert.Equal("421 4.7.0 mail.example.com Error: too many commands, closing connection", Wire(step));
        Assert.True(step.Closes);
    }

    [Fact]
    public void Repeated_ehlo_resets_the_transaction_but_keeps_the_session()
    {
        var session = new SmtpTestSession().WithTransaction();
        Assert.NotNull(session.Engine.ReversePath);
        Assert.StartsWith("250 mail.example.com", session.Reply("HELO other"));
        Assert.Null(session.Engine.ReversePath);
        Assert.Empty(session.Engine.Recipients);
        Assert.Equal("other", session.Engine.ClientHelo);
        Assert.False(session.Engine.IsExtended);
    }

    [Fact]
    public void Input_while_an_effect_is_outstanding_is_a_caller_bug()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO c");
        session.Send("MAIL FROM:<a@b.org>");
        session.Send("RCPT TO:<c@d.org>");
        Assert.True(session.Engine.IsAwaitingCompletion);
        Assert.Throws<InvalidOperationException>(() => session.Send("NOOP"));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnLineTooLong());
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnAuthResult(true, "x"));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnDataReceived(DataOutcome.Complete));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnMessageAccepted("q"));
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnTlsEstablished());
        Assert.Equal("250 2.1.5 Ok", Wire(session.Engine.OnRecipientVerdict(RecipientVerdict.Accept)));
        Assert.False(session.Engine.IsAwaitingCompletion);
        Assert.Throws<InvalidOperationException>(() => session.Engine.OnRecipientVerdict(RecipientVerdict.Accept));
    }

    [Fact]
    public void Step_bytes_are_the_replies_in_order()
    {
        var step = new SmtpStep([new SmtpReply(250, "2.0.0", "one"), new SmtpReply(221, "2.0.0", "two")], SmtpEffect.Close.Instance);
        Assert.Equal("250 2.0.0 one\r\n221 2.0.0 two\r\n", Encoding.ASCII.GetString(step.ToBytes()));
    }
}
