using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>COMPRESS (RFC 4978): the command, its state and the capability.</summary>
public class CompressCommandTests
{
    [Fact]
    public void Compress_deflate_is_parsed_and_allowed_only_after_login()
    {
        var command = Assert.IsType<ImapCommand.Compress>(ImapWire.Parse("a COMPRESS deflate"));
        Assert.Equal("DEFLATE", command.Mechanism);
        Assert.Equal(ImapStatus.Bad, ImapStateRules.Check(command, ImapState.NotAuthenticated, true, ImapWire.Options)!.Status);
        Assert.Null(ImapStateRules.Check(command, ImapState.Authenticated, true, ImapWire.Options));
        Assert.Null(ImapStateRules.Check(command, ImapState.Selected, true, ImapWire.Options));
        Assert.Equal(ImapStatus.Bad, ImapWire.Reject("a COMPRESS").Response.Status);
    }

    [Fact]
    public void Compress_deflate_is_advertised_after_login_only()
    {
        Assert.DoesNotContain("COMPRESS=DEFLATE", ImapCapabilities.For(ImapWire.Options, ImapState.NotAuthenticated, tlsActive: true));
        Assert.Contains("COMPRESS=DEFLATE", ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true));
    }
}
