using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>IMAP sessions end with BYE when the client stays silent: a server of its own with short timeouts.</summary>
[Trait("Category", "Integration")]
public sealed class ImapTimeoutTests : IAsyncLifetime
{
    private static readonly TestUser User = TestUser.Local("imap-timeout");
    private ServerProcess? _server;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync("""
        actormta.imap.command-timeout = 1s
        actormta.imap.idle-timeout = 2s
        actormta.imap.auth-requires-tls = off
        """, [User]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Fact]
    public async Task Silent_client_gets_bye_after_the_command_timeout()
    {
        // The server's clock starts when it accepts the socket, which is after this point and
        // may be well before the greeting reaches a loaded test process; so measure from here.
        var started = DateTime.UtcNow;
        await using var raw = await TextConnection.ConnectAsync(_server!.Ports.Imap);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());
        Assert.StartsWith("* BYE", await raw.ReadLineAsync());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(10));
        Assert.Null(await raw.ReadLineAsync());
    }

    [Fact]
    public async Task Idle_uses_its_own_longer_timeout()
    {
        await using var raw = await TextConnection.ConnectAsync(_server!.Ports.Imap);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());
        await raw.WriteLineAsync($"a1 LOGIN {User.Address} {User.Password}");
        Assert.StartsWith("a1 OK", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a2 SELECT INBOX");
        string? line;
        while ((line = await raw.ReadLineAsync()) is not null && !line.StartsWith("a2 ")) { }
        Assert.StartsWith("a2 OK", line);
        await raw.WriteLineAsync("a3 IDLE");
        Assert.StartsWith("+ ", await raw.ReadLineAsync());
        await Task.Delay(1500); // past command-timeout, within idle-timeout
        await raw.WriteLineAsync("DONE");
        Assert.Equal("a3 OK IDLE terminated", await raw.ReadLineAsync());
        await raw.WriteLineAsync("a4 IDLE");
        Assert.StartsWith("+ ", await raw.ReadLineAsync());
        Assert.StartsWith("* BYE", await raw.ReadLineAsync());
    }
}
