using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>Before login only small literals are accepted: an anonymous client cannot make the server read megabytes.</summary>
public class ImapPreAuthLiteralTests
{
    private static ImapCommandReader NewReader() =>
        new(ImapWire.Options with { MaxLiteralSize = 100_000_000, MaxCommandSize = 1_000_000, MaxLiteralBeforeAuth = 100 });

    [Fact]
    public void A_large_synchronizing_literal_before_login_is_refused_without_a_continuation()
    {
        var reader = NewReader();
        var error = Assert.IsType<ImapReadResult.Error>(reader.OnLine("a1 LOGIN {101}"u8));
        Assert.Equal("a1 BAD Literal too large before authentication\r\n", ImapWire.Text(error.Response));
        Assert.False(reader.IsInsideCommand);
        // The session goes on: the next command is read as usual.
        Assert.IsType<ImapReadResult.Complete>(reader.OnLine("a2 NOOP"u8));
    }

    [Fact]
    public void A_large_literal_plus_before_login_is_fatal()
    {
        var reader = NewReader();
        var fatal = Assert.IsType<ImapReadResult.Fatal>(reader.OnLine("a1 LOGIN {67108864+}"u8));
        Assert.Equal("a1", fatal.Tag);
        Assert.Equal("a1 BAD Literal too large before authentication\r\n", ImapWire.Text(fatal.Response));
    }

    [Fact]
    public void A_small_literal_before_login_is_read()
    {
        var reader = NewReader();
        Assert.Equal(new ImapReadResult.NeedLiteral(100, false, false), reader.OnLine("a1 LOGIN {100}"u8));
    }

    [Fact]
    public void After_login_the_normal_limits_apply()
    {
        var reader = NewReader();
        reader.Authenticated = true;
        Assert.Equal(new ImapReadResult.NeedLiteral(5000, true, true), reader.OnLine("a1 APPEND INBOX {5000+}"u8));
    }
}
