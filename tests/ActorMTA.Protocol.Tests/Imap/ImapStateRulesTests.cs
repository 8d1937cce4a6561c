using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class ImapStateRulesTests
{
    private static readonly ImapServerOptions Options = ImapWire.Options;

    private static ImapResponse.StatusResponse? Check(string wire, ImapState state, bool tls = true, bool readOnly = false, ImapServerOptions? options = null) =>
        ImapStateRules.Check(ImapWire.Parse(wire), state, tls, options ?? Options, readOnly);

    [Theory]
    [InlineData("a CAPABILITY")]
    [InlineData("a NOOP")]
    [InlineData("a LOGOUT")]
    [InlineData("a ID NIL")]
    public void Any_state_commands(string wire)
    {
        foreach (var state in new[] { ImapState.NotAuthenticated, ImapState.Authenticated, ImapState.Selected })
            Assert.Null(Check(wire, state));
        Assert.Equal(ImapStatus.Bad, Check(wire, ImapState.Logout)!.Status);
    }

    [Theory]
    [InlineData("a SELECT INBOX")]
    [InlineData("a EXAMINE INBOX")]
    [InlineData("a CREATE x")]
    [InlineData("a DELETE x")]
    [InlineData("a RENAME x y")]
    [InlineData("a SUBSCRIBE x")]
    [InlineData("a UNSUBSCRIBE x")]
    [InlineData("a LIST \"\" *")]
    [InlineData("a LSUB \"\" *")]
    [InlineData("a STATUS x (MESSAGES)")]
    [InlineData("a APPEND x {1}\r\nx")]
    [InlineData("a NAMESPACE")]
    [InlineData("a IDLE")]
    public void Authenticated_state_commands(string wire)
    {
        Assert.Equal("a BAD Log in first\r\n", ImapWire.Text(Check(wire, ImapState.NotAuthenticated)!));
        Assert.Null(Check(wire, ImapState.Authenticated));
        Assert.Null(Check(wire, ImapState.Selected));
    }

    [Theory]
    [InlineData("a CHECK")]
    [InlineData("a CLOSE")]
    [InlineData("a UNSELECT")]
    [InlineData("a EXPUNGE")]
    [InlineData("a UID EXPUNGE 1")]
    [InlineData("a SEARCH ALL")]
    [InlineData("a UID SEARCH ALL")]
    [InlineData("a FETCH 1 FLAGS")]
    [InlineData("a UID FETCH 1 FLAGS")]
    [InlineData("a STORE 1 +FLAGS \\Seen")]
    [InlineData("a COPY 1 x")]
    [InlineData("a MOVE 1 x")]
    public void Selected_state_commands(string wire)
    {
        Assert.Equal(ImapStatus.Bad, Check(wire, ImapState.NotAuthenticated)!.Status);
        Assert.Equal("a BAD No mailbox selected\r\n", ImapWire.Text(Check(wire, ImapState.Authenticated)!));
        Assert.Null(Check(wire, ImapState.Selected));
    }

    [Fact]
    public void Read_only_mailbox_refuses_changes()
    {
        Assert.Equal("a NO [READ-ONLY] Mailbox is read-only\r\n", ImapWire.Text(Check("a STORE 1 +FLAGS \\Seen", ImapState.Selected, readOnly: true)!));
        Assert.NotNull(Check("a EXPUNGE", ImapState.Selected, readOnly: true));
        Assert.NotNull(Check("a UID MOVE 1 x", ImapState.Selected, readOnly: true));
        Assert.Null(Check("a FETCH 1 FLAGS", ImapState.Selected, readOnly: true));
        Assert.Null(Check("a COPY 1 x", ImapState.Selected, readOnly: true));
        Assert.Null(Check("a CLOSE", ImapState.Selected, readOnly: true));
    }

    [Fact]
    public void Login_only_before_authentication_and_only_over_tls_when_required()
    {
        Assert.Null(Check("a LOGIN u p", ImapState.NotAuthenticated, tls: true));
        Assert.Equal("a NO [PRIVACYREQUIRED] Use STARTTLS before logging in\r\n", ImapWire.Text(Check("a LOGIN u p", ImapState.NotAuthenticated, tls: false)!));
        Assert.NotNull(Check("a AUTHENTICATE PLAIN", ImapState.NotAuthenticated, tls: false));
        Assert.Null(Check("a LOGIN u p", ImapState.NotAuthenticated, tls: false, options: Options with { AuthRequiresTls = false }));
        Assert.Equal("a BAD Already authenticated\r\n", ImapWire.Text(Check("a LOGIN u p", ImapState.Authenticated)!));
        Assert.Equal(ImapStatus.Bad, Check("a AUTHENTICATE PLAIN", ImapState.Selected)!.Status);
    }

    [Fact]
    public void Starttls_rules()
    {
        Assert.Null(Check("a STARTTLS", ImapState.NotAuthenticated, tls: false));
        Assert.Equal("a BAD TLS is already active\r\n", ImapWire.Text(Check("a STARTTLS", ImapState.NotAuthenticated, tls: true)!));
        Assert.NotNull(Check("a STARTTLS", ImapState.NotAuthenticated, tls: false, options: Options with { TlsAvailable = false }));
        Assert.NotNull(Check("a STARTTLS", ImapState.Authenticated, tls: false));
    }

    [Fact]
    public void Enable_only_in_authenticated_state()
    {
        Assert.Null(Check("a ENABLE CONDSTORE", ImapState.Authenticated));
        Assert.Equal(ImapStatus.Bad, Check("a ENABLE CONDSTORE", ImapState.Selected)!.Status);
        Assert.Equal(ImapStatus.Bad, Check("a ENABLE CONDSTORE", ImapState.NotAuthenticated)!.Status);
    }

    [Fact]
    public void Capabilities_follow_tls_and_state()
    {
        var plaintext = ImapCapabilities.For(Options, ImapState.NotAuthenticated, tlsActive: false);
        Assert.Equal(["IMAP4rev1", "STARTTLS", "LOGINDISABLED", .. ImapCapabilities.Extensions], plaintext);

        var secure = ImapCapabilities.For(Options, ImapState.NotAuthenticated, tlsActive: true);
        Assert.Equal(["IMAP4rev1", "AUTH=PLAIN", "SASL-IR", .. ImapCapabilities.Extensions], secure);

        var relaxed = ImapCapabilities.For(Options with { AuthRequiresTls = false, TlsAvailable = false }, ImapState.NotAuthenticated, tlsActive: false);
        Assert.Equal(["IMAP4rev1", "AUTH=PLAIN", "SASL-IR", .. ImapCapabilities.Extensions], relaxed);

        var loggedIn = ImapCapabilities.For(Options, ImapState.Authenticated, tlsActive: true);
        Assert.Equal(["IMAP4rev1", .. ImapCapabilities.Extensions, "COMPRESS=DEFLATE"], loggedIn);
        Assert.Contains("LITERAL+", loggedIn);
        Assert.Contains("SPECIAL-USE", loggedIn);
        Assert.Contains("UIDPLUS", loggedIn);
    }
}
