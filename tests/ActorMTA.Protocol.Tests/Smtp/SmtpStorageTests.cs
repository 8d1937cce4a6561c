using ActorMTA.Protocol.Smtp;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.SmtpTestSession;

namespace ActorMTA.Protocol.Tests.Smtp;

/// <summary>Storage running out: MAIL FROM and SIZE= against the headroom, content that could not be stored.</summary>
public class SmtpStorageTests
{
    private static SmtpTestSession Greeted()
    {
        var session = new SmtpTestSession();
        session.Send("EHLO client.example.org");
        return session;
    }

    [Fact]
    public void Mail_is_refused_with_452_while_there_is_no_headroom_and_accepted_again_when_it_returns()
    {
        var session = Greeted();
        session.Engine.StorageHeadroom = 0;
        Assert.Equal("452 4.3.1 Insufficient system storage", session.Reply("MAIL FROM:<a@b.org>"));
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.0.0 Ok", session.Reply("NOOP"));
        session.Engine.StorageHeadroom = 1;
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void Size_is_checked_against_the_headroom_and_the_limit_refusal_comes_first()
    {
        var session = Greeted();
        session.Engine.StorageHeadroom = 5_000;
        Assert.Equal("452 4.3.1 Insufficient system storage", session.Reply("MAIL FROM:<a@b.org> SIZE=5001"));
        // Over the fixed limit (10,000) is permanent whatever the free space.
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", session.Reply("MAIL FROM:<a@b.org> SIZE=10001"));
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org> SIZE=5000"));
    }

    [Fact]
    public void Data_that_could_not_be_stored_gets_452_and_resets_the_transaction()
    {
        var session = new SmtpTestSession().WithTransaction();
        session.Send("DATA");
        var step = session.Engine.OnDataReceived(DataOutcome.InsufficientStorage);
        Assert.Equal("452 4.3.1 Insufficient system storage", Wire(step));
        Assert.Null(step.Effect);
        Assert.Null(session.Engine.ReversePath);
        Assert.Equal("250 2.1.0 Ok", session.Reply("MAIL FROM:<a@b.org>"));
    }

    [Fact]
    public void A_bdat_chunk_that_could_not_be_stored_gets_452_and_later_chunks_need_a_new_transaction()
    {
        var session = new SmtpTestSession().WithTransaction();
        Assert.Equal(new SmtpEffect.BeginBdat(100, false), session.Send("BDAT 100").Effect);
        Assert.Equal("452 4.3.1 Insufficient system storage", Wire(session.Engine.OnDataReceived(DataOutcome.InsufficientStorage)));
        var next = session.Send("BDAT 50 LAST");
        Assert.Equal(new SmtpEffect.SkipBdat(50), next.Effect);
        Assert.StartsWith("503 ", Wire(session.Engine.OnDataReceived(DataOutcome.Complete)));
    }
}
