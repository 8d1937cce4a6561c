using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class Pop3TransactionTests
{
    private static readonly Pop3Message[] ThreeMessages = [new("a1", 10), new("b2", 20), new("c3", 30)];

    [Fact]
    public void Stat_counts_messages_and_octets()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["+OK 3 60"], session.Send("STAT").Lines);
    }

    [Fact]
    public void Stat_of_an_empty_maildrop()
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        session.Engine.OnAuthResult(true, []);
        Assert.Equal(["+OK 0 0"], session.Send("STAT").Lines);
        Assert.Equal(["+OK Maildrop has 0 messages (0 octets)", "."], session.Send("LIST").Lines);
        Assert.Equal(["+OK Unique-id listing follows", "."], session.Send("UIDL").Lines);
    }

    [Fact]
    public void List_without_argument_is_a_multi_line_scan_listing()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["+OK Maildrop has 3 messages (60 octets)", "1 10", "2 20", "3 30", "."], session.Send("LIST").Lines);
    }

    [Fact]
    public void List_with_a_number_is_one_line()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["+OK 2 20"], session.Send("LIST 2").Lines);
    }

    [Fact]
    public void Uidl_lists_unique_ids()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["+OK Unique-id listing follows", "1 a1", "2 b2", "3 c3", "."], session.Send("UIDL").Lines);
        Assert.Equal(["+OK 3 c3"], session.Send("uidl 3").Lines);
    }

    [Theory]
    [InlineData("LIST 0", "-ERR No such message")]
    [InlineData("LIST 4", "-ERR No such message")]
    [InlineData("LIST 99999999999999999999999", "-ERR No such message")]
    [InlineData("LIST x", "-ERR Invalid message number")]
    [InlineData("LIST -1", "-ERR Invalid message number")]
    [InlineData("LIST +1", "-ERR Invalid message number")]
    [InlineData("LIST 1 2", "-ERR LIST takes at most one argument: a message number")]
    [InlineData("UIDL 4", "-ERR No such message")]
    [InlineData("UIDL 1 2", "-ERR UIDL takes at most one argument: a message number")]
    [InlineData("RETR", "-ERR RETR needs exactly one argument: a message number")]
    [InlineData("RETR 1 2", "-ERR RETR needs exactly one argument: a message number")]
    [InlineData("RETR 4", "-ERR No such message")]
    [InlineData("RETR one", "-ERR Invalid message number")]
    [InlineData("TOP 1", "-ERR TOP needs two arguments: a message number and a line count")]
    [InlineData("TOP", "-ERR TOP needs two arguments: a message number and a line count")]
    [InlineData("TOP 1 -1", "-ERR Invalid line count")]
    [InlineData("TOP 1 x", "-ERR Invalid line count")]
    [InlineData("TOP 9 1", "-ERR No such message")]
    [InlineData("DELE", "-ERR DELE needs exactly one argument: a message number")]
    [InlineData("DELE 0", "-ERR No such message")]
    [InlineData("DELE 4", "-ERR No such message")]
    [InlineData("DELE x", "-ERR Invalid message number")]
    [InlineData("STAT 1", "-ERR STAT takes no arguments")]
    [InlineData("RSET 1", "-ERR RSET takes no arguments")]
    [InlineData("NOOP 1", "-ERR NOOP takes no arguments")]
    [InlineData("QUIT 1", "-ERR QUIT takes no arguments")]
    [InlineData("USER bob", "-ERR USER is not valid in TRANSACTION state")]
    [InlineData("PASS x", "-ERR PASS is not valid in TRANSACTION state")]
    [InlineData("STLS", "-ERR STLS is not valid in TRANSACTION state")]
    [InlineData("APOP a b", "-ERR Unknown command")]
    [InlineData("FOO", "-ERR Unknown command")]
    [InlineData("", "-ERR Empty command")]
    public void Errors_in_transaction_state_keep_the_session(string line, string reply)
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var step = session.Send(line);
        Assert.Equal([reply], step.Lines);
        Assert.Null(step.Effect);
        Assert.Equal(Pop3SessionState.Transaction, session.Engine.State);
        Assert.Equal(["+OK 3 60"], session.Send("STAT").Lines);
    }

    [Fact]
    public void Retr_announces_the_size_and_asks_the_actor_to_stream()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var step = session.Send("RETR 2");
        Assert.Empty(step.Lines);
        Assert.Equal(new Pop3Effect.SendMessage(2, "b2", null, "+OK 20 octets"), step.Effect);
        Assert.Empty(session.Engine.OnMessageSent(true).Lines);
        Assert.False(session.Engine.IsAwaitingCompletion);
    }

    [Fact]
    public void Top_asks_for_headers_and_line_count()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var step = session.Send("TOP 3 0");
        Assert.Empty(step.Lines);
        Assert.Equal(new Pop3Effect.SendMessage(3, "c3", 0, "+OK Top of message follows"), step.Effect);
    }

    [Fact]
    public void Top_with_a_huge_line_count_saturates()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var step = session.Send("TOP 1 99999999999999");
        Assert.Equal(new Pop3Effect.SendMessage(1, "a1", int.MaxValue, "+OK Top of message follows"), step.Effect);
    }

    [Fact]
    public void Content_that_cannot_be_opened_fails_the_command_and_the_session_goes_on()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        session.Send("RETR 2");
        Assert.Same(Pop3Step.Empty, session.Send("NOOP"));
        var step = session.Engine.OnMessageUnavailable();
        Assert.Equal(["-ERR [SYS/TEMP] Message 2 cannot be read now, try again later", "+OK"], step.Lines);
        Assert.False(step.Closes);
        Assert.False(session.Engine.IsAwaitingCompletion);
        Assert.Equal(new Pop3Effect.SendMessage(1, "a1", null, "+OK 10 octets"), session.Send("RETR 1").Effect);
    }

    [Fact]
    public void Failed_streaming_closes_the_connection_without_further_lines()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        session.Send("RETR 1");
        var step = session.Engine.OnMessageSent(false);
        Assert.Empty(step.Lines);
        Assert.True(step.Closes);
    }

    [Fact]
    public void Deleted_messages_vanish_from_every_command()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["+OK Message 2 deleted"], session.Send("DELE 2").Lines);

        Assert.Equal(["+OK 2 40"], session.Send("STAT").Lines);
        Assert.Equal(["+OK Maildrop has 2 messages (40 octets)", "1 10", "3 30", "."], session.Send("LIST").Lines);
        Assert.Equal(["+OK Unique-id listing follows", "1 a1", "3 c3", "."], session.Send("UIDL").Lines);
        Assert.Equal(["-ERR No such message"], session.Send("LIST 2").Lines);
        Assert.Equal(["-ERR No such message"], session.Send("UIDL 2").Lines);
        Assert.Equal(["-ERR No such message"], session.Send("RETR 2").Lines);
        Assert.Equal(["-ERR No such message"], session.Send("TOP 2 1").Lines);
        Assert.Equal(["-ERR Message 2 already deleted"], session.Send("DELE 2").Lines);
        // Message numbers of the others do not shift.
        Assert.Equal(["+OK 3 30"], session.Send("LIST 3").Lines);
    }

    [Fact]
    public void Rset_restores_deleted_messages()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        session.Send("DELE 1");
        session.Send("DELE 3");
        Assert.Equal(["+OK Maildrop has 3 messages (60 octets)"], session.Send("RSET").Lines);
        Assert.Equal(["+OK 3 60"], session.Send("STAT").Lines);
        Assert.Equal(["+OK 1 10"], session.Send("LIST 1").Lines);

        session.Send("QUIT");
        Assert.Equal(Pop3SessionState.Update, session.Engine.State);
    }

    [Fact]
    public void Noop_answers_ok()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var step = session.Send("NOOP");
        Assert.Equal(["+OK"], step.Lines);
        Assert.Null(step.Effect);
    }

    [Fact]
    public void Quit_enters_update_state_and_commits_the_deletions()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        session.Send("DELE 3");
        session.Send("DELE 1");
        var quit = session.Send("QUIT");
        Assert.Empty(quit.Lines);
        var commit = Assert.IsType<Pop3Effect.Commit>(quit.Effect);
        Assert.Equal(["a1", "c3"], commit.DeletedUids);
        Assert.Equal(Pop3SessionState.Update, session.Engine.State);

        var done = session.Engine.OnCommitted(true);
        Assert.Equal(["+OK mail.example.com POP3 server signing off (1 message left)"], done.Lines);
        Assert.True(done.Closes);
        Assert.Equal(Pop3SessionState.Closed, session.Engine.State);
    }

    [Fact]
    public void Quit_without_deletions_commits_an_empty_list()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        var commit = Assert.IsType<Pop3Effect.Commit>(session.Send("quit").Effect);
        Assert.Empty(commit.DeletedUids);
        Assert.Equal(["+OK mail.example.com POP3 server signing off (3 messages left)"], session.Engine.OnCommitted(true).Lines);
    }

    [Fact]
    public void Failed_commit_reports_a_temporary_error_and_closes()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        session.Send("DELE 1");
        session.Send("QUIT");
        var done = session.Engine.OnCommitted(false);
        Assert.Equal(["-ERR [SYS/TEMP] Some deleted messages were not removed"], done.Lines);
        Assert.True(done.Closes);
    }

    [Fact]
    public void Line_too_long_in_transaction_state_keeps_the_session()
    {
        var session = Pop3TestSession.LoggedIn(ThreeMessages);
        Assert.Equal(["-ERR Line too long"], session.Engine.OnLineTooLong().Lines);
        Assert.Equal(["+OK 3 60"], session.Send("STAT").Lines);
    }
}
