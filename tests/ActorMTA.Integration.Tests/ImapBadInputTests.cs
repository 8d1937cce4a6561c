using System.Diagnostics;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// Malformed IMAP input against a running server: each gets BAD or NO and the session goes on;
/// a literal over the limit is refused before a single byte of it is asked for.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ImapBadInputTests : IAsyncLifetime
{
    private const int MaxLiteral = 100_000;
    private static readonly TestUser User = TestUser.Local("imap-bad");
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        $"actormta.imap {{ max-literal-size = {MaxLiteral}, auth-failure-delay = 200ms }}", [User]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TextConnection> LoggedInAsync()
    {
        var raw = await TextConnection.ConnectAsync(_server.Ports.Imaps, implicitTls: true);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());
        await raw.WriteLineAsync($"a0 LOGIN {User.Address} {User.Password}");
        Assert.StartsWith("a0 OK", await TaggedAsync(raw, "a0"));
        return raw;
    }

    private static async Task<string> TaggedAsync(TextConnection raw, string tag)
    {
        while (true)
        {
            var line = await raw.ReadLineAsync() ?? throw new InvalidOperationException("connection closed");
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return line;
        }
    }

    [Fact]
    public async Task Unknown_commands_bad_syntax_and_wrong_state_get_bad_or_no_and_the_session_continues()
    {
        await using var raw = await TextConnection.ConnectAsync(_server.Ports.Imaps, implicitTls: true);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());

        await raw.WriteLineAsync("b1 FROBNICATE");
        Assert.StartsWith("b1 BAD", await TaggedAsync(raw, "b1"));
        await raw.WriteLineAsync("b2 SELECT INBOX"); // not authenticated yet
        Assert.Matches("^b2 (BAD|NO)", await TaggedAsync(raw, "b2"));
        await raw.WriteLineAsync("b3 LOGIN \"unterminated");
        Assert.StartsWith("b3 BAD", await TaggedAsync(raw, "b3"));

        await raw.WriteLineAsync($"b4 LOGIN {User.Address} {User.Password}");
        Assert.StartsWith("b4 OK", await TaggedAsync(raw, "b4"));
        await raw.WriteLineAsync("b5 SELECT INBOX");
        Assert.StartsWith("b5 OK", await TaggedAsync(raw, "b5"));
        await raw.WriteLineAsync("b6 FETCH 1:x (FLAGS)");
        Assert.StartsWith("b6 BAD", await TaggedAsync(raw, "b6"));
        await raw.WriteLineAsync("b7 FETCH 1 (NOSUCHITEM)");
        Assert.StartsWith("b7 BAD", await TaggedAsync(raw, "b7"));
        await raw.WriteLineAsync("b8 NOOP");
        Assert.StartsWith("b8 OK", await TaggedAsync(raw, "b8"));
    }

    [Fact]
    public async Task A_literal_over_the_limit_is_refused_before_it_is_read()
    {
        await using var raw = await LoggedInAsync();

        // A synchronizing literal waits for "+": the server must answer the command instead.
        await raw.WriteLineAsync($"c1 APPEND INBOX {{{MaxLiteral + 1}}}");
        var reply = await raw.ReadLineAsync();
        Assert.StartsWith("c1 NO", reply);
        Assert.Contains("TOOBIG", reply);

        // A malformed literal announcement is a syntax error, not a hang.
        await raw.WriteLineAsync("c2 APPEND INBOX {12x}");
        Assert.StartsWith("c2 BAD", await TaggedAsync(raw, "c2"));

        await raw.WriteLineAsync("c3 NOOP");
        Assert.StartsWith("c3 OK", await TaggedAsync(raw, "c3"));
        await raw.WriteLineAsync("c4 STATUS INBOX (MESSAGES)");
        var status = new List<string>();
        string line;
        while (!(line = (await raw.ReadLineAsync())!).StartsWith("c4 ", StringComparison.Ordinal)) status.Add(line);
        Assert.StartsWith("c4 OK", line);
        Assert.Contains(status, l => l.Contains("MESSAGES 0"));
    }

    [Fact]
    public async Task Login_failures_are_counted_per_client_address_across_connections()
    {
        async Task<TimeSpan> FailOnceOnNewConnectionAsync(string tag)
        {
            await using var raw = await TextConnection.ConnectAsync(_server.Ports.Imaps, implicitTls: true);
            Assert.StartsWith("* OK", await raw.ReadLineAsync());
            var clock = Stopwatch.StartNew();
            await raw.WriteLineAsync($"{tag} LOGIN {User.Address} wrong-password");
            var reply = await TaggedAsync(raw, tag);
            Assert.StartsWith($"{tag} NO", reply);
            return clock.Elapsed;
        }

        // auth-failure-delay is 200ms: the n-th failure from 127.0.0.1 waits about n x 200ms,
        // although every try comes on a fresh connection.
        var first = await FailOnceOnNewConnectionAsync("d1");
        var second = await FailOnceOnNewConnectionAsync("d2");
        var third = await FailOnceOnNewConnectionAsync("d3");

        Assert.True(first >= TimeSpan.FromMilliseconds(150), $"first failure answered after {first.TotalMilliseconds:F0} ms");
        Assert.True(second >= TimeSpan.FromMilliseconds(350), $"second failure (new connection) answered after {second.TotalMilliseconds:F0} ms");
        Assert.True(third >= TimeSpan.FromMilliseconds(550), $"third failure (new connection) answered after {third.TotalMilliseconds:F0} ms");

        // The right password still works from that address.
        await using var ok = await LoggedInAsync();
    }
}
