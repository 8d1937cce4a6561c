using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class Pop3SessionLifecycleTests
{
    [Fact]
    public void Rfc1939_example_session()
    {
        // RFC 1939 section 10, with USER/PASS in place of APOP.
        var session = new Pop3TestSession(Pop3TestSession.Options() with { HostName = "dewey" });
        Assert.Equal(["+OK dewey POP3 ready"], session.Greeting.Lines);
        session.Send("USER mrose");
        Assert.Equal(new Pop3Effect.Authenticate("mrose", "tanstaaf"), session.Send("PASS tanstaaf").Effect);
        Assert.Equal(["+OK Maildrop has 2 messages (320 octets)"],
            session.Engine.OnAuthResult(true, Pop3TestSession.TwoMessages).Lines);

        Assert.Equal(["+OK 2 320"], session.Send("STAT").Lines);
        Assert.Equal(["+OK Maildrop has 2 messages (320 octets)", "1 120", "2 200", "."], session.Send("LIST").Lines);

        var retr1 = session.Send("RETR 1");
        Assert.Empty(retr1.Lines);
        Assert.Equal(new Pop3Effect.SendMessage(1, "uid-1", null, "+OK 120 octets"), retr1.Effect);
        session.Engine.OnMessageSent(true);
        Assert.Equal(["+OK Message 1 deleted"], session.Send("DELE 1").Lines);

        var retr2 = session.Send("RETR 2");
        Assert.Empty(retr2.Lines);
        Assert.Equal(new Pop3Effect.SendMessage(2, "uid-2", null, "+OK 200 octets"), retr2.Effect);
        session.Engine.OnMessageSent(true);
        Assert.Equal(["+OK Message 2 deleted"], session.Send("DELE 2").Lines);

        var commit = Assert.IsType<Pop3Effect.Commit>(session.Send("QUIT").Effect);
        Assert.Equal(["uid-1", "uid-2"], commit.DeletedUids);
        var bye = session.Engine.OnCommitted(true);
        Assert.Equal(["+OK dewey POP3 server signing off (maildrop empty)"], bye.Lines);
        Assert.True(bye.Closes);
    }

    [Fact]
    public void Pipelined_commands_wait_for_the_login_and_are_answered_in_order()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        Assert.Same(Pop3Step.Empty, session.Send("STAT"));
        Assert.Same(Pop3Step.Empty, session.Send("LIST 2"));
        Assert.Same(Pop3Step.Empty, session.Engine.OnLineTooLong());
        Assert.Equal(3, session.Engine.PendingInputCount);

        var step = session.Engine.OnAuthResult(true, Pop3TestSession.TwoMessages);
        Assert.Equal(["+OK Maildrop has 2 messages (320 octets)", "+OK 2 320", "+OK 2 200", "-ERR Line too long"], step.Lines);
        Assert.Null(step.Effect);
        Assert.Equal(0, session.Engine.PendingInputCount);
    }

    [Fact]
    public void Pipelined_commands_behind_retr_wait_until_the_content_is_sent()
    {
        var session = Pop3TestSession.LoggedIn();
        Assert.Equal(new Pop3Effect.SendMessage(1, "uid-1", null, "+OK 120 octets"), session.Send("RETR 1").Effect);
        Assert.Same(Pop3Step.Empty, session.Send("RETR 2"));
        Assert.Same(Pop3Step.Empty, session.Send("DELE 1"));

        var second = session.Engine.OnMessageSent(true);
        Assert.Empty(second.Lines);
        Assert.Equal(new Pop3Effect.SendMessage(2, "uid-2", null, "+OK 200 octets"), second.Effect);
        Assert.Equal(1, session.Engine.PendingInputCount);

        var rest = session.Engine.OnMessageSent(true);
        Assert.Equal(["+OK Message 1 deleted"], rest.Lines);
        Assert.Null(rest.Effect);
    }

    [Fact]
    public void Pipelined_input_after_a_failed_final_login_is_dropped()
    {
        var session = new Pop3TestSession(Pop3TestSession.Options(maxAuthFailures: 1));
        session.Send("USER alice");
        session.Send("PASS wrong");
        session.Send("USER alice");
        var step = session.Engine.OnAuthResult(false, null);
        Assert.Single(step.Lines);
        Assert.True(step.Closes);
        Assert.Equal(0, session.Engine.PendingInputCount);
    }

    [Fact]
    public void Pipelined_quit_after_login_is_committed()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        session.Send("DELE 1");
        session.Send("QUIT");
        var step = session.Engine.OnAuthResult(true, Pop3TestSession.TwoMessages);
        Assert.Equal(["+OK Maildrop has 2 messages (320 octets)", "+OK Message 1 deleted"], step.Lines);
        Assert.Equal(["uid-1"], Assert.IsType<Pop3Effect.Commit>(step.Effect).DeletedUids);
    }

    [Fact]
    public void Timeout_in_authorization_closes()
    {
        var session = new Pop3TestSession();
        var step = session.Engine.OnTimeout();
        Assert.StartsWith("-ERR", Assert.Single(step.Lines));
        Assert.True(step.Closes);
    }

    [Fact]
    public void Timeout_in_transaction_closes_without_entering_update_state()
    {
        var session = Pop3TestSession.LoggedIn();
        session.Send("DELE 1");
        var step = session.Engine.OnTimeout();
        Assert.StartsWith("-ERR", Assert.Single(step.Lines));
        Assert.IsType<Pop3Effect.Close>(step.Effect);
        Assert.Equal(Pop3SessionState.Closed, session.Engine.State);
    }

    [Fact]
    public void Shutdown_closes_with_a_temporary_error()
    {
        var session = Pop3TestSession.LoggedIn();
        var step = session.Engine.OnShutdown();
        Assert.Equal(["-ERR [SYS/TEMP] Server shutting down, closing connection"], step.Lines);
        Assert.True(step.Closes);
    }

    [Fact]
    public void Shutdown_while_streaming_or_during_the_handshake_closes_without_a_status_line()
    {
        var streaming = Pop3TestSession.LoggedIn();
        streaming.Send("RETR 1");
        var step = streaming.Engine.OnShutdown();
        Assert.Empty(step.Lines);
        Assert.True(step.Closes);

        var handshaking = new Pop3TestSession();
        handshaking.Send("STLS");
        step = handshaking.Engine.OnTimeout();
        Assert.Empty(step.Lines);
        Assert.True(step.Closes);
    }

    [Fact]
    public void Everything_after_close_is_ignored()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        session.Engine.OnTimeout();

        // The authentication result racing with the timeout must not throw.
        Assert.Same(Pop3Step.Empty, session.Engine.OnAuthResult(true, Pop3TestSession.TwoMessages));
        Assert.Same(Pop3Step.Empty, session.Send("STAT"));
        Assert.Same(Pop3Step.Empty, session.Engine.OnLineTooLong());
        Assert.Same(Pop3Step.Empty, session.Engine.OnTimeout());
        Assert.Same(Pop3Step.Empty, session.Engine.OnShutdown());
        Assert.Same(Pop3Step.Empty, session.Engine.Start());
        Assert.Equal(Pop3SessionState.Closed, session.Engine.State);
    }
}
