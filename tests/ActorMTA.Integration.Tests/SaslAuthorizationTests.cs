using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// One rule for the SASL PLAIN authorization identity in SMTP, POP3 and IMAP: empty or the login name itself
/// (compared case-insensitively); anything else fails exactly like a wrong password.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SaslAuthorizationTests : IAsyncLifetime
{
    private static readonly TestUser Alice = TestUser.Local("sasl-alice");
    private static readonly TestUser Bob = TestUser.Local("sasl-bob");
    private ServerProcess? _server;

    private ServerProcess Server => _server!;

    public async Task InitializeAsync() =>
        _server = await ServerProcess.StartAsync("actormta.smtp.auth-failure-delay = 10ms\nactormta.pop3.auth-failure-delay = 10ms\nactormta.imap.auth-failure-delay = 10ms", [Alice, Bob]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    private static string Plain(string authzid, TestUser user) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{user.Address}\0{user.Password}"));

    [Fact]
    public async Task Smtp_refuses_acting_as_another_user_like_a_wrong_password()
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Submission, startTls: true);
        var other = await smtp.CommandAsync("AUTH PLAIN " + Plain(Bob.Address, Alice));
        Assert.True(other.Code == 535 && other.EnhancedCode == "5.7.8", other.ToString());
        var same = await smtp.CommandAsync("AUTH PLAIN " + Plain(Alice.Address.ToUpperInvariant(), Alice));
        Assert.True(same.Code == 235, same.ToString());
    }

    [Fact]
    public async Task Pop3_refuses_acting_as_another_user_like_a_wrong_password()
    {
        await using var pop = await Pop3Conversation.OpenAsync(Server.Ports.Pop3);
        await pop.StlsAsync();
        Assert.Equal("-ERR [AUTH] Authentication failed", await pop.CommandAsync("AUTH PLAIN " + Plain(Bob.Address, Alice)));
        Assert.StartsWith("+OK", await pop.CommandAsync("AUTH PLAIN " + Plain("Sasl-Alice@Local.Test", Alice)));
    }

    [Fact]
    public async Task Imap_refuses_acting_as_another_user_like_a_wrong_password()
    {
        await using var raw = await TextConnection.ConnectAsync(Server.Ports.Imaps, implicitTls: true);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a1 AUTHENTICATE PLAIN " + Plain(Bob.Address, Alice));
        Assert.StartsWith("a1 NO [AUTHENTICATIONFAILED]", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a2 AUTHENTICATE PLAIN " + Plain(Alice.Address, Alice));
        Assert.StartsWith("a2 OK", await raw.ReadLineAsync());
    }
}
