using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>A server with actormta.smtp.bare-newlines = normalize.</summary>
public sealed class NormalizingServerFixture : IAsyncLifetime
{
    public static readonly TestUser Smuggling = TestUser.Local("n-smuggling");
    public static readonly TestUser Bdat = TestUser.Local("n-bdat");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        "actormta.smtp.bare-newlines = normalize",
        [Smuggling, Bdat, ConformanceServerFixture.Smuggled]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// bare-newlines = normalize: the message is accepted and stored with every bare CR or LF made CRLF; a
/// fake end of data still is content (the smuggled transaction is stored as text, never run).
/// </summary>
[Trait("Category", "Integration")]
public sealed class BareNewlineNormalizeTests(NormalizingServerFixture fixture) : IClassFixture<NormalizingServerFixture>
{
    private ServerProcess Server => fixture.Server;

    [Theory]
    [MemberData(nameof(BareNewlineTests.FakeEnds), MemberType = typeof(BareNewlineTests))]
    public async Task Fake_end_of_data_is_stored_as_content_with_crlf(string fakeEnd)
    {
        var user = NormalizingServerFixture.Smuggling;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            var reply = await BareNewlineTests.SendRawDataAsync(smtp, user.Address, BareNewlineTests.Smuggling(fakeEnd));
            Assert.Equal(250, reply.Code);
            var noop = await smtp.CommandAsync("NOOP");
            Assert.True(noop.Code == 250 && noop.EnhancedCode == "2.0.0", $"got {noop} (a smuggled command was run?)");
            await smtp.QuitAsync();
        }

        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        var rest = StoredMessage.WithoutTrace(stored);
        // Unstuffing only applies to lines that begin after a CRLF: a line after a bare line end keeps its dot.
        var expected = Encoding.ASCII.GetString(BareNewlineTests.Smuggling(fakeEnd))
            .Replace("\r\n", "\n").Replace("\r", "\n").Replace("\n", "\r\n");
        if (fakeEnd.StartsWith("\r\n", StringComparison.Ordinal)) expected = expected.Replace("first part\r\n.\r\n", "first part\r\n\r\n");
        Assert.Equal(expected, Encoding.ASCII.GetString(rest));
        Assert.Contains("MAIL FROM:<evil@example.org>", Encoding.ASCII.GetString(rest));
        Assert.Empty(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, ConformanceServerFixture.Smuggled));
    }

    [Fact]
    public async Task Bdat_content_is_normalised_across_chunks()
    {
        var user = NormalizingServerFixture.Bdat;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            Assert.Equal(250, (await BareNewlineTests.SendChunkAsync(smtp, "Subject: n\n\nline\r", last: false)).Code);
            Assert.Equal(250, (await BareNewlineTests.SendChunkAsync(smtp, "\nbare cr\rat the end\r", last: true)).Code);
            await smtp.QuitAsync();
        }
        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        Assert.Equal("Subject: n\r\n\r\nline\r\nbare cr\r\nat the end\r\n", Encoding.ASCII.GetString(StoredMessage.WithoutTrace(stored)));
    }
}
