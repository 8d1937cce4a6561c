using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

/// <summary>A client sending garbage gets -ERR and a close after max-bad-commands, not thousands of -ERR.</summary>
public class Pop3BadCommandLimitTests
{
    private static Pop3TestSession NewSession(int maxBad = 3) => new(Pop3TestSession.Options() with { MaxBadCommands = maxBad });

    [Fact]
    public void The_bad_command_reaching_the_limit_closes_the_connection()
    {
        var s = NewSession();
        Assert.Equal(["-ERR Unknown command"], s.Send("BOGUS").Lines);
        Assert.Equal(["-ERR Empty command"], s.Send("").Lines);
        var third = s.Send("XYZZY");
        Assert.Equal(["-ERR Unknown command", "-ERR Too many bad commands, closing connection"], third.Lines);
        Assert.IsType<Pop3Effect.Close>(third.Effect);
        Assert.Equal(Pop3SessionState.Closed, s.Engine.State);
        Assert.Same(Pop3Step.Empty, s.Send("CAPA"));
    }

    [Fact]
    public void Good_commands_do_not_count()
    {
        var s = NewSession();
        s.Send("BOGUS");
        s.Send("BOGUS");
        for (var i = 0; i < 10; i++) Assert.StartsWith("+OK", s.Send("CAPA").Lines[0]);
        Assert.Equal(2, s.Engine.BadCommands);
        Assert.IsType<Pop3Effect.Close>(s.Send("BOGUS").Effect);
    }

    [Fact]
    public void Over_long_lines_and_commands_invalid_in_the_state_count()
    {
        var s = NewSession();
        Assert.Equal(["-ERR Line too long"], s.Engine.OnLineTooLong().Lines);
        Assert.StartsWith("-ERR STAT is not valid", s.Send("STAT").Lines[0]);
        Assert.IsType<Pop3Effect.Close>(s.Engine.OnLine([0xff, 0xfe]).Effect);
    }

    [Fact]
    public void Errors_in_the_transaction_state_count_too()
    {
        var s = Pop3TestSession.LoggedIn();
        for (var i = 1; i < 20; i++) Assert.Equal(["-ERR No such message"], s.Send("RETR 99").Lines);
        Assert.IsType<Pop3Effect.Close>(s.Send("RETR 99").Effect);
    }
}
