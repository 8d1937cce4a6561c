using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

public class SmtpDataTests
{
    private static SmtpTestSession InTransaction() => new SmtpTestSession().WithTransaction();

    [Fact]
    public void Data_before_helo_mail_or_rcpt_is_out_of_sequence()
    {
        var session = new SmtpTestSession();
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", session.Reply("DATA"));
        session.Send("EHLO c");
        Assert.Equal("503 5.5.1 Error: need MAIL command", session.Reply("DATA"));
        session.Send("MAIL FROM:<a@b.org>");
        Assert.Equal("503 5.5.1 Error: need RCPT command", session.Reply("DATA"));
        session.Send("RCPT TO:<c@d.org>");
        session.Engine.OnRecipientVerdict(RecipientVerdict.UnknownUser);
        var step = session.Send("DATA");
        Assert.Equal("503 5.5.1 Error: need RCPT command", Wire(step));
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Data_with_arguments_is_a_syntax_error()
    {
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", InTransaction().Reply("DATA now"));
    }

    [Fact]
    public void Too_big_data_gets_552_and_resets_the_transaction()
    {
        var session = InTransaction();
        session.Send("DATA");
        var step = session.Engine.OnDataReceived(DataOutcome.TooBig);
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", Wire(step));
        Assert.Null(step.Effect);
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Aborted_data_gets_451_and_resets_the_transaction()
    {
        var session = InTransaction();
        session.Send("DATA");
        Assert.Equal("451 4.3.0 Error receiving message content, transaction aborted", Wire(session.Engine.OnDataReceived(DataOutcome.Aborted)));
        Assert.Null(session.Engine.ReversePath);
    }

    [Theory]
    [InlineData(DataOutcome.BareLineEnd, "554 5.6.0 Error: bare CR or LF in message content, lines must end with CRLF")]
    [InlineData(DataOutcome.TooManyHops, "554 5.4.6 Error: too many hops (mail loop?)")]
    public void Refused_content_gets_554_and_the_session_goes_on(DataOutcome outcome, string expected)
    {
        var session = InTransaction();
        session.Send("DATA");
        var step = session.Engine.OnDataReceived(outcome);
        Assert.Equal(expected, Wire(step));
        Assert.Null(step.Effect);
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Refused_last_bdat_chunk_gets_554_and_resets_the_transaction()
    {
        var session = InTransaction();
        session.Send("BDAT 10");
        session.Engine.OnDataReceived(DataOutcome.Complete);
        session.Send("BDAT 0 LAST");
        Assert.Equal("554 5.6.0 Error: bare CR or LF in message content, lines must end with CRLF", Wire(session.Engine.OnDataReceived(DataOutcome.BareLineEnd)));
        Assert.Equal("503 5.5.1 Error: need MAIL command", session.Reply("RCPT TO:<x@y.org>"));
    }

    [Fact]
    public void Failed_message_sends_the_given_reply_and_resets()
    {
        var session = InTransaction();
        session.Send("DATA");
        session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Equal("451 4.3.0 Try again later", Wire(session.Engine.OnMessageFailed(new SmtpReply(451, "4.3.0", "Try again later"))));
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Bdat_chunks_then_last_chunk_completes_the_message()
    {
        var session = InTransaction();
        var first = session.Send("BDAT 1000");
        Assert.Empty(first.Replies);
        Assert.Equal(new SmtpEffect.BeginBdat(1000, false), first.Effect);
        Assert.Equal("250 2.0.0 1000 octets received", Wire(session.Engine.OnDataReceived(DataOutcome.Complete)));

        Assert.Equal(new SmtpEffect.BeginBdat(200, true), session.Send("bdat 200 last").Effect);
        var last = session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Empty(last.Replies);
        Assert.IsType<SmtpEffect.CompleteMessage>(last.Effect);
        Assert.Equal("250 2.0.0 Ok: queued as B1", Wire(session.Engine.OnMessageAccepted("B1")));
        Assert.Null(session.Engine.ReversePath);
    }

    [Fact]
    public void Bdat_zero_last_ends_the_message()
    {
        var session = InTransaction();
        Assert.Equal(new SmtpEffect.BeginBdat(500, false), session.Send("BDAT 500").Effect);
        session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Equal(new SmtpEffect.BeginBdat(0, true), session.Send("BDAT 0 LAST").Effect);
        Assert.IsType<SmtpEffect.CompleteMessage>(session.Engine.OnDataReceived(DataOutcome.Complete).Effect);
        Assert.StartsWith("250 2.0.0 Ok: queued as", Wire(session.Engine.OnMessageAccepted("Z")));
    }

    [Fact]
    public void Data_after_bdat_and_rcpt_after_bdat_are_out_of_sequence()
    {
        var session = InTransaction();
        session.Send("BDAT 10");
        session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Equal("503 5.5.1 Error: DATA not allowed after BDAT", session.Reply("DATA"));
        Assert.Equal("503 5.5.1 Error: RCPT not allowed after BDAT", session.Reply("RCPT TO:<x@y.org>"));
        Assert.Equal(new SmtpEffect.BeginBdat(5, true), session.Send("BDAT 5 LAST").Effect);
    }

    [Theory]
    [InlineData("BDAT")]
    [InlineData("BDAT x")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT 10 FIRST")]
    [InlineData("BDAT 10 LAST more")]
    public void Bdat_syntax_errors_get_501_without_effect(string line)
    {
        var step = InTransaction().Send(line);
        Assert.Equal("501 5.5.4 Syntax: BDAT chunk-size [LAST]", Wire(step));
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Bdat_without_a_transaction_skips_the_chunk_then_replies_503()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO c");
        var step = session.Send("BDAT 42 LAST");
        Assert.Empty(step.Replies);
        Assert.Equal(new SmtpEffect.SkipBdat(42), step.Effect);
        Assert.Equal("503 5.5.1 Error: need MAIL command", Wire(session.Engine.OnDataReceived(DataOutcome.Complete)));
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
    }

    [Fact]
    public void Bdat_beyond_the_size_limit_is_skipped_and_later_chunks_are_refused_too()
    {
        var session = InTransaction();
        session.Send("BDAT 6000");
        session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Equal(new SmtpEffect.SkipBdat(5000), session.Send("BDAT 5000").Effect);
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", Wire(session.Engine.OnDataReceived(DataOutcome.Complete)));
        Assert.Null(session.Engine.ReversePath);
        // RFC 3030: chunks already pipelined after the failed one are read and discarded.
        Assert.Equal(new SmtpEffect.SkipBdat(10), session.Send("BDAT 10 LAST").Effect);
        Assert.Equal("503 5.5.1 Error: need MAIL command", Wire(session.Engine.OnDataReceived(DataOutcome.Complete)));
    }

    [Fact]
    public void Bdat_exactly_at_the_size_limit_is_accepted()
    {
        var session = InTransaction();
        Assert.Equal(new SmtpEffect.BeginBdat(10_000, true), session.Send("BDAT 10000 LAST").Effect);
    }

    [Fact]
    public void Failed_bdat_chunk_resets_the_transaction()
    {
        var session = InTransaction();
        session.Send("BDAT 10");
        Assert.Equal("451 4.3.0 Error receiving message content, transaction aborted", Wire(session.Engine.OnDataReceived(DataOutcome.Aborted)));
        Assert.Null(session.Engine.ReversePath);
        // A new transaction may use DATA again.
        session.WithTransaction();
        Assert.StartsWith("354", session.Reply("DATA"));
    }

    [Fact]
    public void Rset_after_bdat_discards_the_chunks()
    {
        var session = InTransaction();
        session.Send("BDAT 3000");
        session.Engine.OnDataReceived(DataOutcome.Complete);
        Assert.Equal("250 2.0.0 Ok", session.Reply("RSET"));
        session.WithTransaction();
        // The earlier 3000 octets no longer count against the limit.
        Assert.Equal(new SmtpEffect.BeginBdat(10_000, true), session.Send("BDAT 10000 LAST").Effect);
    }
}
